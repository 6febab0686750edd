"""The par basis map and the tent-shifted par curves are fitted once per curve and reused: the
same numbers as a fresh fit, one fit per plan run on the par basis, never shared across curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.cli import app
from hedge_planner.models import krd as krd_module
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.krd import PAR_TREASURY, ZERO_CONTINUOUS, KrdBasisMap, ParQuotes, par_krd
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
TENORS = ("3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
RATES = np.array([0.054, 0.0526, 0.0479, 0.0423, 0.0401, 0.0384, 0.0388, 0.0388, 0.042, 0.0403])
KEYS = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])


def _quotes(shift: float = 0.0) -> ParQuotes:
    return ParQuotes(int(to_days(np.datetime64("2023-12-29"))), TENORS, RATES + shift)


@pytest.fixture(autouse=True)
def _empty_caches():
    krd_module._PAR_MATRICES.clear()
    krd_module._BUMPED.clear()
    yield
    krd_module._PAR_MATRICES.clear()
    krd_module._BUMPED.clear()


def _count_fits(monkeypatch) -> list[int]:
    calls = [0]
    fit = KrdBasisMap._par_matrix

    def counted(self: KrdBasisMap) -> np.ndarray:
        calls[0] += 1
        return fit(self)

    monkeypatch.setattr(KrdBasisMap, "_par_matrix", counted)
    return calls


def test_one_fit_per_curve_with_the_numbers_of_a_fresh_fit(monkeypatch) -> None:
    calls = _count_fits(monkeypatch)
    quotes = _quotes()
    curve = quotes.build()
    first = KrdBasisMap(KEYS, curve, quotes).matrix(PAR_TREASURY)
    again = KrdBasisMap(KEYS.copy(), curve, quotes).matrix(PAR_TREASURY)
    assert calls[0] == 1 and again is first
    assert not first.flags.writeable
    fresh = KrdBasisMap(KEYS, curve, quotes)._par_matrix()
    np.testing.assert_array_equal(first, fresh)
    # Another curve (another object, other quotes) gets its own fit, not the cached one.
    other_quotes = _quotes(0.01)
    other = KrdBasisMap(KEYS, other_quotes.build(), other_quotes).matrix(PAR_TREASURY)
    assert calls[0] == 3
    assert not np.allclose(other, first, rtol=1e-6, atol=0.0)
    vec = np.linspace(0.1, 0.9, KEYS.size)
    bmap = KrdBasisMap(KEYS, curve, quotes)
    back = bmap.convert(
        bmap.convert(vec, ZERO_CONTINUOUS, PAR_TREASURY), PAR_TREASURY, ZERO_CONTINUOUS
    )
    np.testing.assert_allclose(back, vec, rtol=0, atol=1e-10)


def test_reused_shifted_curves_give_the_par_krds_of_a_fresh_bootstrap() -> None:
    quotes = _quotes()
    anchor = quotes.anchor
    book = BondBook.from_arrays(
        ["a", "b"], 100.0, [0.04, 0.045], [anchor + 3 * 365, anchor + 12 * 365], 2
    )
    sched = build_schedule(book, anchor)
    cached = par_krd(sched, quotes, 0.001, KEYS).krd
    assert len(krd_module._BUMPED) == 1
    reused = par_krd(sched, quotes, 0.001, KEYS).krd
    krd_module._BUMPED.clear()
    fresh = par_krd(sched, quotes, 0.001, KEYS).krd
    np.testing.assert_array_equal(cached, fresh)
    np.testing.assert_array_equal(reused, fresh)


def test_a_plan_on_the_par_basis_fits_the_basis_map_once(tmp_path, monkeypatch) -> None:
    calls = _count_fits(monkeypatch)
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    base["benchmark"]["krd_convention"] = {"rate_basis": "par"}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base, default_flow_style=False))
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    # Supplied KRDs, every instrument's loadings, the profile and the scenarios share it.
    assert calls[0] == 1
