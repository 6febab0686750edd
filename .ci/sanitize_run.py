"""pytest with the compiled loops loaded from the sanitizer builds in ``$HP_SANITIZED_DIR``
(see .ci/sanitize): the modules are put in ``sys.modules`` before the package imports them."""

import importlib.util
import os
import sys

import pytest

folder = os.environ["HP_SANITIZED_DIR"]
for name in ("_lattice_c", "_mbs_c"):
    spec = importlib.util.spec_from_file_location(
        f"hedge_planner.models.{name}", os.path.join(folder, f"{name}.so")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[f"hedge_planner.models.{name}"] = module

from hedge_planner.models import lattice_kernels, mbs_kernels  # noqa: E402

for kernels in (lattice_kernels, mbs_kernels):
    assert kernels._c is not None and kernels._c.__file__.startswith(folder), kernels._c
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
