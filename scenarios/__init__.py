"""hedge_planner.scenarios (installed under the single import root ``hedge_planner``)."""

if __name__ != "hedge_planner.scenarios":  # pragma: no cover - guards against a second copy
    raise ImportError(
        "'scenarios' is part of hedge-planner: import it as 'hedge_planner.scenarios' "
        "(pip install -e . puts the package on the path)"
    )
