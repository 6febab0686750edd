"""cvxpy's import without scipy.stats and scipy.optimize (:mod:`hedge_planner.solvers.lean_import`).

Each check runs in a fresh interpreter: the test process has long imported both libraries.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_cvxpy_imports_without_scipy_stats_and_leaves_the_real_module_importable() -> None:
    out = _run(
        "import json, sys, math\n"
        "import hedge_planner.solvers.desk_limits  # imports cvxpy\n"
        "from hedge_planner.solvers import lean_import\n"
        "after_cvxpy = [m for m in lean_import.DEFERRED if m in sys.modules]\n"
        "finder_left = lean_import._FINDER in sys.meta_path\n"
        "import cvxpy\n"
        "own_loader = type(cvxpy.__loader__).__name__ == 'SourceFileLoader'\n"
        "own_loader &= cvxpy.__spec__.loader is cvxpy.__loader__\n"
        "import scipy, scipy.stats, scipy.stats.distributions, scipy.optimize\n"
        "optimize_real = bool(scipy.optimize is sys.modules['scipy.optimize']\n"
        "  and abs(scipy.optimize.brentq(lambda v: v * v - 2.0, 0.0, 2.0) - 2 ** 0.5) < 1e-12)\n"
        "solvers = cvxpy.installed_solvers()\n"
        "from cvxpy.atoms.quantum_rel_entr import entropy\n"
        "p = [0.2, 0.3, 0.5]\n"
        "print(json.dumps({'after_cvxpy': after_cvxpy, 'finder_left': finder_left,\n"
        "  'own_loader': own_loader, 'optimize_real': optimize_real, 'solvers': solvers,\n"
        "  'same': scipy.stats is sys.modules['scipy.stats'],\n"
        "  'real': bool(hasattr(scipy.stats, 'norm') and scipy.stats.norm.cdf(0.0) == 0.5),\n"
        "  'entropy': float(entropy(p)), 'closed_form': -sum(x * math.log(x) for x in p)}))\n"
    )
    assert out["after_cvxpy"] == []
    assert out["finder_left"] is False
    assert out["own_loader"] is True  # cvxpy keeps its loader (source, resources, reload)
    assert out["same"] is True and out["real"] is True and out["optimize_real"] is True
    # cvxpy's check of its SciPy interface passed on the placeholder: the same solver list
    assert {"SCIPY", "HIGHS", "CLARABEL"} <= set(out["solvers"])  # type: ignore[arg-type]
    # cvxpy's atom calls the deferred function: Shannon entropy -sum p ln p in nats
    assert abs(float(out["entropy"]) - float(out["closed_form"])) < 1e-15  # type: ignore[arg-type]


def test_any_other_name_loads_the_real_scipy_stats() -> None:
    # A cvxpy that asked for more than ``entropy`` at import would get the real objects.
    out = _run(
        "import json, sys\n"
        "from hedge_planner.solvers import lean_import\n"
        "placeholder = lean_import._Placeholder('scipy.stats')\n"
        "sys.modules['scipy.stats'] = placeholder\n"
        "from scipy.stats import norm\n"
        "print(json.dumps({'real': sys.modules['scipy.stats'] is not placeholder,\n"
        "  'norm': float(norm.cdf(1.96))}))\n"
    )
    assert out["real"] is True
    assert abs(float(out["norm"]) - 0.9750021048517795) < 1e-15  # type: ignore[arg-type]


def test_nothing_changes_when_scipy_stats_is_already_imported() -> None:
    out = _run(
        "import json, sys\n"
        "import scipy.stats\n"
        "real = sys.modules['scipy.stats']\n"
        "import hedge_planner.solvers.desk_limits\n"
        "from cvxpy.atoms.quantum_rel_entr import entropy\n"
        "print(json.dumps({'same': sys.modules['scipy.stats'] is real,\n"
        "  'entropy_is_scipys': entropy is real.entropy}))\n"
    )
    assert out == {"same": True, "entropy_is_scipys": True}


def test_another_thread_imports_the_real_module_and_its_submodules() -> None:
    # While cvxpy imports (the placeholder owned by its thread), another thread's
    # ``import scipy.stats.<submodule>`` and ``from scipy.stats import ...`` work.
    out = _run(
        "import json, sys, threading\n"
        "from hedge_planner.solvers import lean_import\n"
        "placeholder = lean_import._Placeholder('scipy.stats', owner=threading.get_ident() + 1)\n"
        "sys.modules['scipy.stats'] = placeholder\n"
        "import scipy.stats.distributions\n"
        "from scipy.stats import qmc\n"
        "real = sys.modules['scipy.stats']\n"
        "print(json.dumps({'real': real is not placeholder,\n"
        "  'sub': sys.modules['scipy.stats.distributions'] is real.distributions,\n"
        "  'qmc': qmc is real.qmc}))\n"
    )
    assert out == {"real": True, "sub": True, "qmc": True}
