"""cvxpy without ``scipy.stats`` and ``scipy.optimize`` at start-up.

cvxpy's package import loads two SciPy subpackages that no hedge uses:

- ``from scipy.stats import entropy`` (one atom's numeric value,
  :mod:`cvxpy.atoms.quantum_rel_entr`);
- ``from scipy import optimize`` (its check that the SciPy conic interface is installed,
  :meth:`cvxpy.reductions.solvers.conic_solvers.scipy_conif.SCIPY.import_solver`; the solve
  itself imports it again).

SciPy 1.17 parses the docstrings of its array-API decorators as these import: cold,
``scipy.stats`` costs 0.5-0.85 s and ``scipy.optimize`` 0.15-0.3 s on this machine, most of
``import cvxpy`` and a fifth of the example's ``plan``.

:func:`install` puts a one-shot finder on :data:`sys.meta_path`. When ``cvxpy`` is first
imported, a placeholder module stands in for each of the two for the duration of that import
only. The placeholder of ``scipy.stats`` has an ``entropy`` that imports the real function
when it is called; any other name asked of a placeholder loads the real module there and then
(so a cvxpy version that needs more of either imports as before, only without the saving).
Once cvxpy is imported, the placeholders are removed from :data:`sys.modules` and from the
``scipy`` package, so every later import gets the real modules; cvxpy keeps its own loader and
the finder removes itself. Nothing changes for a module already imported, nor if cvxpy is.
Another thread that imports from them meanwhile (a submodule too) gets the real modules: only
the importing thread is told a placeholder is not a package, which is what defers the load
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

#: The SciPy subpackages cvxpy's import is spared, each with the functions its placeholder
#: offers as deferred stand-ins (imported from the real module on first call).
DEFERRED: dict[str, tuple[str, ...]] = {"scipy.stats": ("entropy",), "scipy.optimize": ()}


def _real(name: str) -> types.ModuleType:
    """The real module ``name`` (imported now if only its placeholder stands in)."""
    current = sys.modules.get(name)
    if isinstance(current, _Placeholder):
        del sys.modules[name]
        _unset_on_scipy(name, current)
    return importlib.import_module(name)


def _unset_on_scipy(name: str, placeholder: types.ModuleType | None) -> None:
    """Remove the ``scipy`` package's attribute of ``name`` if it is a placeholder (``vars``:
    scipy's module ``__getattr__`` would import the real submodule)."""
    scipy = sys.modules.get("scipy")
    attr = name.rpartition(".")[2]
    if scipy is None:
        return
    value = vars(scipy).get(attr)
    if isinstance(value, _Placeholder) and (placeholder is None or value is placeholder):
        delattr(scipy, attr)


def _deferred(module: str, name: str) -> Any:
    """A stand-in for ``module.name`` that imports the real function on each call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``{module}.{name}``, imported on first call."
    return call


class _Placeholder(types.ModuleType):
    """Stands in for a deferred module while cvxpy imports: the real module's names on first
    use (the functions of :data:`DEFERRED` on first call)."""

    def __init__(self, name: str, owner: int | None = None) -> None:
        super().__init__(name, f"placeholder for {name} while cvxpy imports")
        for attr in DEFERRED.get(name, ()):
            setattr(self, attr, _deferred(name, attr))
        #: The thread importing cvxpy (``threading.get_ident``).
        self.owner = threading.get_ident() if owner is None else owner

    def __getattr__(self, attr: str) -> Any:
        if attr == "__path__" and threading.get_ident() != self.owner:
            return _real(self.__name__).__path__  # another thread's submodule import
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(_real(self.__name__), attr)


class _Loader(importlib.abc.Loader):
    """cvxpy's own loader, with the placeholders in place while the package executes."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # get_source, resource readers...: cvxpy's own

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        placed = [_Placeholder(name) for name in DEFERRED if name not in sys.modules]
        for p in placed:
            sys.modules[p.__name__] = p
        try:
            self._inner.exec_module(module)
        finally:
            # cvxpy keeps its own loader (source, resources, reload), as a plain import would
            module.__loader__ = self._inner
            if module.__spec__ is not None:
                module.__spec__.loader = self._inner
            for p in placed:
                if sys.modules.get(p.__name__) is p:
                    del sys.modules[p.__name__]
                _unset_on_scipy(p.__name__, None)


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
    """Defer the :data:`DEFERRED` modules in the next ``import cvxpy`` (no-op once cvxpy is
    imported, or when all of them are)."""
    if "cvxpy" in sys.modules or _FINDER in sys.meta_path:
        return
    if all(name in sys.modules for name in DEFERRED):
        return
    sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Remove the finder (idempotent)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
