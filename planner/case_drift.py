"""The case file's ``drift`` section: the previous snapshot a plan compares itself with."""

from __future__ import annotations

from hedge_planner.models.input_files import StrictModel
from pydantic import ConfigDict, Field


class DriftSpec(StrictModel):
    """``drift:`` in a case file (paths relative to the case file).

    With it, the plan carries a drift section: the change of duration, DV01, KRDs, spread
    duration, duration gap and tracking error since the previous snapshot, attributed exactly
    (see ``hedge-planner drift``).
    """

    model_config = ConfigDict(extra="forbid")

    previous: str = Field(
        min_length=1, description="the previous snapshot's case file (relative to this one)"
    )
    activity: str | None = Field(
        default=None,
        description="activity CSV between the snapshots (id, kind trade|paydown|call, face, "
        "optional ordered); without it trades and paydowns are inferred",
    )
