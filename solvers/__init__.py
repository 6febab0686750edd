"""hedge_planner.solvers (installed under the single import root ``hedge_planner``)."""

if __name__ != "hedge_planner.solvers":  # pragma: no cover - guards against a second copy
    raise ImportError(
        "'solvers' is part of hedge-planner: import it as 'hedge_planner.solvers' "
        "(pip install -e . puts the package on the path)"
    )
