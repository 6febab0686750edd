"""cvxpy without ``scipy.stats`` at start-up.

cvxpy's package import runs ``from scipy.stats import entropy`` (one atom's numeric value,
:mod:`cvxpy.atoms.quantum_rel_entr`), and importing ``scipy.stats`` costs 0.5-0.8 s on this
machine (SciPy 1.17 parses the docstrings of its array-API decorators at import): about half of
``import cvxpy`` and an eighth of the example's ``plan``, for a function no hedge calls.

:func:`install` puts a one-shot finder on :data:`sys.meta_path`. When ``cvxpy`` is first
imported, it stands a placeholder module in for ``scipy.stats`` for the duration of that
import only. The placeholder's ``entropy`` imports the real function when it is called; any
other name the import asks for loads the real ``scipy.stats`` there and then (so a cvxpy
version that needs more of it imports as before, only without the saving). Once cvxpy is
imported, the placeholder is removed from :data:`sys.modules` and from the ``scipy`` package,
so every later ``import scipy.stats`` gets the real module; the finder removes itself.
Nothing changes if ``scipy.stats`` or ``cvxpy`` is already imported. Another thread that
imports from ``scipy.stats`` meanwhile (a submodule too) gets the real module: only the
importing thread is told the placeholder is not a package, which is what defers the load
(``from scipy.stats import entropy`` reads ``__path__`` first).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

_STATS = "scipy.stats"


def _real_stats() -> types.ModuleType:
    """The real ``scipy.stats`` (imported now if only the placeholder stands in)."""
    current = sys.modules.get(_STATS)
    if isinstance(current, _Placeholder):
        del sys.modules[_STATS]
        scipy = sys.modules.get("scipy")
        if scipy is not None and vars(scipy).get("stats") is current:
            delattr(scipy, "stats")
    return importlib.import_module(_STATS)


def _entropy(*args: Any, **kwargs: Any) -> Any:
    """``scipy.stats.entropy``, imported on first call."""
    return _real_stats().entropy(*args, **kwargs)


class _Placeholder(types.ModuleType):
    """Stands in for ``scipy.stats`` while cvxpy imports: ``entropy`` deferred, any other
    name from the real module."""

    def __init__(self, owner: int | None = None) -> None:
        super().__init__(_STATS, "placeholder for scipy.stats while cvxpy imports")
        self.entropy = _entropy
        #: The thread importing cvxpy (``threading.get_ident``).
        self.owner = threading.get_ident() if owner is None else owner

    def __getattr__(self, name: str) -> Any:
        if name == "__path__" and threading.get_ident() != self.owner:
            return _real_stats().__path__  # another thread's submodule import: the real one
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real_stats(), name)


class _Loader(importlib.abc.Loader):
    """cvxpy's own loader, with the placeholder in place while the package executes."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # get_source, resource readers...: cvxpy's own

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        placeholder = None
        if _STATS not in sys.modules:
            placeholder = _Placeholder()
            sys.modules[_STATS] = placeholder
        try:
            self._inner.exec_module(module)
        finally:
            # cvxpy keeps its own loader (source, resources, reload), as a plain import would
            module.__loader__ = self._inner
            if module.__spec__ is not None:
                module.__spec__.loader = self._inner
            if placeholder is not None and sys.modules.get(_STATS) is placeholder:
                del sys.modules[_STATS]
            scipy = sys.modules.get("scipy")
            # ``vars``: scipy's module ``__getattr__`` would import the real submodule
            if scipy is not None and isinstance(vars(scipy).get("stats"), _Placeholder):
                delattr(scipy, "stats")


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``cvxpy`` once, through the other finders, and wraps its loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "cvxpy":
            return None
        uninstall()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


_FINDER = _Finder()


def install() -> None:
    """Defer ``scipy.stats`` in the next ``import cvxpy`` (no-op if either is imported)."""
    if "cvxpy" in sys.modules or _STATS in sys.modules or _FINDER in sys.meta_path:
        return
    sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Remove the finder (idempotent)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
