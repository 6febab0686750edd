"""Key-rate covariance: validation, storage and risk measures.

Loading (shipped regimes, user files, the Treasury par-yield history) and estimation live in
:mod:`hedge_planner.models.covariance_data`.

Units used throughout this module
---------------------------------
* Yields in a history frame are **decimals** (0.0421 = 4.21 %).
* Daily yield changes are converted to **basis points** (1 bp = 0.0001).
* A covariance matrix is stored in **bp^2 per year**: the covariance of daily bp changes times
  ``TRADING_DAYS_PER_YEAR`` (252), i.e. the usual square-root-of-time annualisation of i.i.d.
  daily changes.
* Tenors are lower-case labels (``"6m"``, ``"10y"``); :func:`tenor_years` converts them to years.

The estimator
-------------
Equal weights (the default) give the ordinary sample covariance of daily bp changes with the
sample mean removed and an ``n - 1`` denominator, i.e. exactly ``numpy.cov(changes.T)``.

EWMA weights (``halflife_days`` given) put weight ``w_i ∝ 0.5 ** (age_i / halflife)`` on the
change observed ``age_i`` observations before the most recent one (age 0), normalised to sum to
one. The **weighted mean is removed** and the result is divided by ``1 - sum(w_i**2)`` (the
"reliability weights" bias correction, the same as ``numpy.cov(..., aweights=w)``). Why: with
this choice an infinite half-life reproduces the equal-weight estimator exactly, so the two
methods are one family and never disagree because of an arbitrary mean convention.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.array_memo import ArrayMemo
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bootstrap import key_tenor, tenor_years
from hedge_planner.models.errors import AnalyticsError, HedgePlannerError
from hedge_planner.models.tracking_error import tracking_error
from hedge_planner.models.units import TRADING_DAYS_PER_YEAR

#: Identifier written into covariance JSON files (checked on load).
JSON_FORMAT: str = "hedge-planner/keyrate-covariance"
JSON_VERSION: int = 1
MATRIX_UNITS: str = "bp^2 per year"


# Relative tolerances for validation. Estimated matrices are symmetric to rounding error and PSD
# up to rounding; anything beyond these is a genuinely malformed input.
_SYMMETRY_RTOL = 1e-9
_PSD_RTOL = 1e-9


class CovarianceError(HedgePlannerError, ValueError):
    """Raised for malformed covariance matrices, unknown tenors or unusable histories."""


# --------------------------------------------------------------------------------------------
# Tenor labels
# --------------------------------------------------------------------------------------------


def _canonical_tenor(label: str) -> str:
    """Canonical key-tenor label (grammar of :func:`models.bootstrap.key_tenor`).

    Raises
    ------
    CovarianceError
        If the label is not a positive whole number of months or years.
    """
    try:
        return key_tenor(label)[0]
    except AnalyticsError as exc:
        raise CovarianceError(str(exc)) from None


def _normalize_tenors(tenors: Sequence[str]) -> tuple[str, ...]:
    if isinstance(tenors, str):
        raise CovarianceError("tenors must be a sequence of labels, not a single string")
    if not all(isinstance(t, str) for t in tenors):
        return _normalized(tuple(tenors))  # not hashable as labels: checked afresh
    return _normalized_memo(tuple(tenors))


@functools.lru_cache(maxsize=64)
def _normalized_memo(tenors: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`_normalized`, remembered: the desk's service builds ~3 covariances a call on the
    same key tenors (~17 us each to parse); failures are not remembered."""
    return _normalized(tenors)


def _normalized(tenors: tuple[str, ...]) -> tuple[str, ...]:
    """Canonical labels of ``tenors``, unique in years (else CovarianceError)."""
    labels = tuple(_canonical_tenor(t) for t in tenors)
    if not labels:
        raise CovarianceError("at least one tenor is required")
    years = [tenor_years(t) for t in labels]
    if len(set(years)) != len(years):
        dupes = sorted({t for t, y in zip(labels, years, strict=True) if years.count(y) > 1})
        raise CovarianceError(f"duplicate tenors: {dupes}")
    return labels


# --------------------------------------------------------------------------------------------
# Matrix validation
# --------------------------------------------------------------------------------------------


def validate_covariance_matrix(matrix: npt.ArrayLike, tenors: Sequence[str]) -> FloatArray:
    """Check a covariance matrix and return it as an exactly symmetric float array.

    Parameters
    ----------
    matrix
        Square array, bp^2 per year, rows/columns in ``tenors`` order.
    tenors
        Tenor labels naming the rows/columns.

    Returns
    -------
    numpy.ndarray
        ``(matrix + matrix.T) / 2`` (removes rounding-level asymmetry).

    Raises
    ------
    CovarianceError
        Naming the problem: wrong shape, NaN/inf at (i, j), non-symmetric at (i, j),
        or not positive semi-definite (with the minimum eigenvalue).
    """
    arr = np.asarray(matrix, dtype=np.float64)
    n = len(tenors)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise CovarianceError(f"covariance matrix must be square, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise CovarianceError(f"covariance matrix is {arr.shape[0]}x{arr.shape[1]} but {n} tenors")
    # Why a memo of the verdict: the desk's service validates the same matrix three times a
    # call (~25 us each, the eigenvalues); a matrix equal to one that passed passes again.
    _PASSED.get([arr], lambda: _check_values(arr, tenors))
    return 0.5 * (arr + arr.T)


#: Matrices that passed :func:`_check_values`, by value.
_PASSED = ArrayMemo(32)


def _check_values(arr: FloatArray, tenors: Sequence[str]) -> bool:
    """Finite, symmetric to ``_SYMMETRY_RTOL``, PSD to ``_PSD_RTOL`` (else CovarianceError)."""
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = (int(k) for k in bad[0])
        raise CovarianceError(
            f"covariance matrix has a non-finite value {arr[i, j]} at ({tenors[i]}, {tenors[j]}) "
            f"(row {i}, column {j}); {len(bad)} non-finite entries in total"
        )
    scale = float(np.max(np.abs(arr))) if arr.size else 0.0
    asym = np.abs(arr - arr.T)
    if asym.size and float(asym.max()) > _SYMMETRY_RTOL * max(scale, 1e-300):
        i, j = (int(k) for k in np.unravel_index(np.argmax(asym), asym.shape))
        raise CovarianceError(
            f"covariance matrix is not symmetric at ({tenors[i]}, {tenors[j]}) (row {i}, column "
            f"{j}): {arr[i, j]!r} vs {arr[j, i]!r}"
        )
    sym = 0.5 * (arr + arr.T)
    if np.any(np.diag(sym) < 0):
        i = int(np.argmin(np.diag(sym)))
        raise CovarianceError(f"negative variance {sym[i, i]!r} for tenor {tenors[i]}")
    eig = np.linalg.eigvalsh(sym)
    if eig.size and eig[0] < -_PSD_RTOL * max(float(eig[-1]), 1e-300):
        raise CovarianceError(
            f"covariance matrix is not positive semi-definite: minimum eigenvalue {eig[0]:.6g} "
            f"(largest {eig[-1]:.6g}) bp^2/yr"
        )
    return True


# --------------------------------------------------------------------------------------------
# The covariance object
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CovarianceMetadata:
    """Provenance of a key-rate covariance matrix.

    Attributes
    ----------
    source
        Description of the data source (e.g. a file name).
    start, end
        ISO dates of the first and last yield *levels* used (``None`` if unknown).
    n_obs
        Number of daily changes used in the estimate.
    method
        ``"equal_weight"``, ``"ewma"`` or ``"user"`` (supplied matrix).
    halflife
        EWMA half-life in observations (business days); ``None`` for equal weights.
    annualisation
        Factor applied to daily variances (252).
    notes
        Free text: why this window / method was chosen.
    extra
        Further diagnostics (dropped rows, lookback, effective sample size...).
    """

    source: str = "unspecified"
    start: str | None = None
    end: str | None = None
    n_obs: int | None = None
    method: str = "user"
    halflife: float | None = None
    annualisation: int = TRADING_DAYS_PER_YEAR
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = dataclasses.asdict(self)
        out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CovarianceMetadata:
        """Inverse of :meth:`to_dict`; unknown keys are kept in ``extra``."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        extra = dict(kwargs.pop("extra", {}) or {})
        extra.update({k: v for k, v in data.items() if k not in known})
        return cls(**kwargs, extra=extra)


@dataclass(frozen=True, eq=False)
class KeyRateCovariance:
    """Annualised covariance of key-rate yield changes.

    Attributes
    ----------
    tenors
        Tenor labels (lower case), the order of the matrix rows/columns.
    matrix
        Covariance of yield changes in **bp^2 per year** (daily bp changes x 252). Stored
        read-only and exactly symmetric; validated finite, symmetric and PSD on construction.
    metadata
        Provenance (:class:`CovarianceMetadata`).
    """

    tenors: tuple[str, ...]
    matrix: FloatArray
    metadata: CovarianceMetadata = field(default_factory=CovarianceMetadata)

    def __post_init__(self) -> None:
        labels = _normalize_tenors(self.tenors)
        sym = validate_covariance_matrix(self.matrix, labels)
        sym.setflags(write=False)  # frozen object: keep the array immutable too
        object.__setattr__(self, "tenors", labels)
        object.__setattr__(self, "matrix", sym)

    def __array__(self, dtype: Any = None, copy: Any = None) -> FloatArray:
        """``numpy.asarray(cov)`` gives a writable copy of the matrix (bp^2 per year).

        Lets code that takes a plain array-like covariance accept this object directly.
        """
        return np.array(self.matrix, dtype=dtype)

    # ---- descriptive ---------------------------------------------------------------------

    @property
    def tenor_years(self) -> FloatArray:
        """Tenors in years, aligned with :attr:`tenors`."""
        return np.array([tenor_years(t) for t in self.tenors])

    def vol_bp(self) -> FloatArray:
        """Annualised volatility of each key rate, **bp per year** (sqrt of the diagonal)."""
        return np.sqrt(np.diag(self.matrix))

    def correlation(self) -> FloatArray:
        """Correlation matrix (dimensionless).

        A tenor with zero variance gets correlation 0 with everything else and 1 with itself.
        """
        vol = self.vol_bp()
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = self.matrix / np.outer(vol, vol)
        zero = vol == 0
        corr[zero, :] = 0.0
        corr[:, zero] = 0.0
        np.fill_diagonal(corr, 1.0)
        return np.clip(corr, -1.0, 1.0)

    def factor(self, n_factors: int | None = None) -> FloatArray:
        """Factor loadings ``F`` with ``matrix == F @ F.T``, **bp per sqrt(year)**.

        Computed from the eigen-decomposition ``matrix = V diag(lam) V^T``; eigenvalues below
        zero (only rounding noise survives validation) are clipped to zero, so
        ``F = V diag(sqrt(max(lam, 0)))``. Columns are principal components in decreasing order
        of variance (level, slope, curvature, ...); the sign of each column is fixed so that its
        largest-magnitude loading is positive (deterministic output).

        Parameters
        ----------
        n_factors
            Keep only the first ``n_factors`` components (then ``F F^T`` is the best rank-k
            approximation). ``None`` keeps all ``n`` columns.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_tenors, n_factors or n_tenors)``.
        """
        lam, vec = np.linalg.eigh(self.matrix)
        order = np.argsort(lam)[::-1]
        lam = np.clip(lam[order], 0.0, None)
        vec = vec[:, order]
        idx = np.argmax(np.abs(vec), axis=0)
        signs = np.sign(vec[idx, np.arange(vec.shape[1])])
        signs[signs == 0] = 1.0
        loadings = vec * signs * np.sqrt(lam)
        if n_factors is not None:
            if not 1 <= n_factors <= len(self.tenors):
                raise CovarianceError(f"n_factors must be in 1..{len(self.tenors)}")
            loadings = loadings[:, :n_factors]
        return loadings

    def subset(self, tenors: Sequence[str]) -> KeyRateCovariance:
        """Select and/or reorder tenors.

        Raises
        ------
        CovarianceError
            Naming the first requested tenor that the matrix does not contain.
        """
        labels = _normalize_tenors(tenors)
        if labels == self.tenors:
            return self  # the same tenors in the same order: this (immutable) matrix itself
        index = {t: i for i, t in enumerate(self.tenors)}
        for t in labels:
            if t not in index:
                raise CovarianceError(
                    f"tenor {t!r} is not in the covariance matrix (available: "
                    f"{', '.join(self.tenors)})"
                )
        pos = [index[t] for t in labels]
        return KeyRateCovariance(labels, self.matrix[np.ix_(pos, pos)], self.metadata)

    # ---- risk measures -------------------------------------------------------------------

    def _as_vector(self, values: npt.ArrayLike | Mapping[str, float], what: str) -> FloatArray:
        # A mapping may name only some tenors (others are zero); unknown names are errors so a
        # typo never silently drops exposure.
        if isinstance(values, Mapping):
            vec = np.zeros(len(self.tenors))
            index = {t: i for i, t in enumerate(self.tenors)}
            for key, val in values.items():
                label = _canonical_tenor(key)
                if label not in index:
                    raise CovarianceError(f"{what}: tenor {key!r} is not in the covariance matrix")
                vec[index[label]] = float(val)
        else:
            vec = np.asarray(values, dtype=np.float64)
            if vec.shape != (len(self.tenors),):
                raise CovarianceError(
                    f"{what} must have shape ({len(self.tenors)},) aligned with tenors, "
                    f"got {vec.shape}"
                )
        if not np.all(np.isfinite(vec)):
            raise CovarianceError(f"{what} contains non-finite values")
        return vec

    def _quad(self, vec: FloatArray) -> float:
        return tracking_error(vec, self.matrix)[0]

    def tracking_error(self, gap_dv01: npt.ArrayLike | Mapping[str, float]) -> float:
        """Annualised 1-sigma P&L of a key-rate DV01 gap: ``sqrt(g' Sigma g)``.

        Parameters
        ----------
        gap_dv01
            Key-rate DV01 gap ``g`` (portfolio minus benchmark), **currency per bp** per key rate,
            as an array aligned with :attr:`tenors` or a mapping label -> value (missing = 0).

        Returns
        -------
        float
            Standard deviation of the gap's P&L over one year, **currency**.
        """
        return self._quad(self._as_vector(gap_dv01, "gap_dv01"))

    def tracking_error_bp(self, gap_krd_years: npt.ArrayLike | Mapping[str, float]) -> float:
        """Annualised tracking error of a key-rate-duration gap: ``sqrt(k' Sigma k)``.

        Parameters
        ----------
        gap_krd_years
            Key-rate duration gap ``k``, **years** per key rate (array aligned with
            :attr:`tenors` or mapping label -> value, missing = 0).

        Returns
        -------
        float
            Tracking error in **bp of return per year**: a gap of ``k`` years of duration under a
            1 bp yield move returns ``k`` bp.
        """
        return self._quad(self._as_vector(gap_krd_years, "gap_krd_years"))

    # ---- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation (matrix in bp^2 per year)."""
        return {
            "format": JSON_FORMAT,
            "version": JSON_VERSION,
            "units": MATRIX_UNITS,
            "tenors": list(self.tenors),
            "matrix": [[float(x) for x in row] for row in self.matrix],
            "metadata": self.metadata.to_dict(),
        }

    def to_json(self) -> str:
        """JSON text, one matrix row per line (floats at full precision: exact round trip)."""
        data = self.to_dict()
        rows = data.pop("matrix")
        data["matrix"] = "__MATRIX__"  # placeholder so each row stays on one readable line
        text = json.dumps(data, indent=2)
        body = ",\n    ".join(json.dumps(r) for r in rows)
        return text.replace('"__MATRIX__"', "[\n    " + body + "\n  ]") + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyRateCovariance:
        """Build from :meth:`to_dict` output; validates format, units and the matrix.

        Raises
        ------
        CovarianceError
            Missing keys, wrong format/units, unknown tenor labels, or an invalid matrix.
        """
        if not isinstance(data, Mapping):
            raise CovarianceError("covariance JSON must be an object")
        if data.get("format", JSON_FORMAT) != JSON_FORMAT:
            raise CovarianceError(f"unexpected format {data.get('format')!r}; want {JSON_FORMAT!r}")
        if data.get("units", MATRIX_UNITS) != MATRIX_UNITS:
            raise CovarianceError(f"unexpected units {data.get('units')!r}; want {MATRIX_UNITS!r}")
        for key in ("tenors", "matrix"):
            if key not in data:
                raise CovarianceError(f"covariance JSON is missing {key!r}")
        try:
            matrix = np.array(data["matrix"], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            msg = f"covariance matrix is not a numeric square array: {exc}"
            raise CovarianceError(msg) from exc
        meta = CovarianceMetadata.from_dict(data.get("metadata") or {})
        return cls(tuple(data["tenors"]), matrix, meta)

    @classmethod
    def from_json(cls, text: str) -> KeyRateCovariance:
        """Parse JSON text written by :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CovarianceError(f"invalid covariance JSON: {exc}") from exc
        return cls.from_dict(data)
