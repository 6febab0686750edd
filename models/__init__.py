"""hedge_planner.models (installed under the single import root ``hedge_planner``)."""

if __name__ != "hedge_planner.models":  # pragma: no cover - guards against a second copy
    raise ImportError(
        "'models' is part of hedge-planner: import it as 'hedge_planner.models' "
        "(pip install -e . puts the package on the path)"
    )
