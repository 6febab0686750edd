"""hedge_planner.solvers (installed under the single import root ``hedge_planner``)."""

if __name__ != "hedge_planner.solvers":  # pragma: no cover - guards against a second copy
    raise ImportError(
        "'solvers' is part of hedge-planner: import it as 'hedge_planner.solvers' "
        "(pip install -e . puts the package on the path)"
    )

from hedge_planner.solvers.lean_import import install as _defer_scipy_in_cvxpy

# Before any module here imports cvxpy: its import then skips scipy.stats and scipy.optimize
# (0.7-1 s cold; solvers.lean_import).
_defer_scipy_in_cvxpy()
