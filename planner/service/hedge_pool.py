"""Workers that size the desk's hedges, each holding the market snapshot warm.

A hedge call is mostly Python (the book's analytics, the cvxpy problem, the plan document):
threads of one process share one interpreter lock, so on a 2-core machine two concurrent calls
ran ~1.6x as fast as one after the other, not 2x. :class:`HedgePool` runs them in worker
processes instead (``kind="process"``, the default; ``"thread"`` keeps them in the server's
process). Each worker loads the market case once at start
(:class:`~hedge_planner.service.jobs.MarketContext`, with its curves and priced universe
cache) and sizes a warm-up key-rate book twice (the first call keeps the plain request shape's
validated case, the second compiles its hedge model: :mod:`hedge_planner.service.fast_hedge`),
so the first request pays neither the imports, the pricing nor the compile;
:meth:`HedgePool.warm` waits for every worker (the server's start-up does, so ``/readyz``
answers only once the workers are warm).

Problems of a request (:class:`~hedge_planner.models.errors.InputError`) travel back as their
located issues and are raised again in the server, so a 422 reads the same from either kind.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Literal

from hedge_planner.models.errors import InputError
from hedge_planner.service.jobs import MarketContext

logger = logging.getLogger(__name__)

__all__ = ["WARM_BOOK", "HedgePool", "PoolKind"]

PoolKind = Literal["process", "thread"]
#: The warm-up request: a small key-rate DV01 book (currency per bp) on the market's tenors.
WARM_BOOK = {"2y": 10_000.0, "10y": 10_000.0}

#: The worker process's market (set by :func:`_init_worker`).
_MARKET: MarketContext | None = None


def _warm(market: MarketContext) -> None:
    """Size a hedge so the market snapshot (curves, universe), the desk's compiled hedge model
    and the imports are warm."""
    from hedge_planner.service.desk import krd_ladder

    tenors = market.key_tenors()
    book = {t: v for t, v in WARM_BOOK.items() if t in tenors} or {tenors[-1]: 10_000.0}
    request = {"holdings": krd_ladder(book, market, tenors), "krd_dv01": book}
    try:
        # Twice: the first call validates the request shape (the fast path's template), the
        # second compiles the shape's hedge model (see hedge_planner.service.fast_hedge).
        market.hedge(request)
        market.hedge(request)
    except InputError as exc:  # a market case whose own limits reject the book: still warm
        logger.info("warm-up hedge rejected (%s); the market snapshot is cached", exc)


def _init_worker(market_path: str) -> None:
    global _MARKET
    _MARKET = MarketContext(market_path)
    _warm(_MARKET)
    logger.info("hedge worker %d ready on %s", os.getpid(), market_path)


def _worker_hedge(overrides: Mapping[str, Any]) -> tuple[str, Any]:
    """Size a hedge in a worker: ``("ok", document)`` or ``("input", issues)``."""
    assert _MARKET is not None, "worker not initialised"
    try:
        return "ok", _MARKET.hedge(overrides)
    except InputError as exc:
        # Why: InputError does not survive pickling (its message is not its argument).
        return "input", exc.issues


def encode_document(doc: Mapping[str, Any]) -> bytes:
    """The document as the HTTP response's body: compact UTF-8 JSON, no NaN (the encoding of
    Starlette's ``JSONResponse``)."""
    return json.dumps(
        doc, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def _worker_hedge_json(overrides: Mapping[str, Any]) -> tuple[str, Any]:
    """:func:`_worker_hedge` with the document encoded in the worker (``("ok", bytes)``).

    Why: the server's one event loop then neither encodes the ~25 KB document nor unpickles
    its ~1,000 objects (~0.4 ms a call); the workers do it in parallel.
    """
    tag, value = _worker_hedge(overrides)
    return (tag, encode_document(value)) if tag == "ok" else (tag, value)


def _market_hedge_json(market: MarketContext, overrides: Mapping[str, Any]) -> bytes:
    return encode_document(market.hedge(overrides))


def _worker_ready() -> int:
    # Why the pause: the jobs of one round spread over the workers instead of the first
    # worker ready taking them all.
    time.sleep(0.05)
    return os.getpid()


class HedgePool:
    """Where hedge calls run: worker processes holding the market warm, or threads.

    Parameters
    ----------
    market
        The server's market (its own copy in the server process; workers load their own).
    workers
        Calls run at the same time (default: the machine's cores).
    kind
        ``"process"`` (default) or ``"thread"``.
    """

    def __init__(
        self, market: MarketContext, workers: int | None = None, kind: PoolKind = "process"
    ):
        self.market = market
        self.kind = kind
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._executor: Executor
        if kind == "process":
            # Why spawn: the server process runs threads (uvicorn, the thread pool); forking
            # it could copy a held lock into the child.
            ctx = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_init_worker, initargs=(str(market.path),)
            )
        elif kind == "thread":
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="hp-hedge")
        else:
            raise ValueError(f"unknown pool kind {kind!r}")

    async def warm(self) -> None:
        """Start every worker and wait until each holds the market warm."""
        loop = asyncio.get_running_loop()
        if self.kind == "thread":
            await loop.run_in_executor(self._executor, _warm, self.market)
            return
        # One job per worker at once: the pool starts a process for each (none is idle yet);
        # a worker answers only after its initializer (market loaded, one hedge sized) ran.
        seen: set[int] = set()
        for _ in range(1000):  # bounded: each round waits for a worker's start-up
            jobs = [
                loop.run_in_executor(self._executor, _worker_ready) for _ in range(self.workers)
            ]
            seen.update(await asyncio.gather(*jobs))
            if len(seen) >= self.workers:
                break
        logger.info("hedge workers warm: %s", sorted(seen))

    async def hedge(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The ``hedge --json`` document of a request.

        Raises
        ------
        InputError
            The request's problems, located as in the server's own process.
        """
        loop = asyncio.get_running_loop()
        if self.kind == "thread":
            return await loop.run_in_executor(self._executor, self.market.hedge, overrides)
        tag, value = await loop.run_in_executor(self._executor, _worker_hedge, dict(overrides))
        if tag == "input":
            raise InputError(list(value))
        return dict(value)

    async def hedge_json(self, overrides: Mapping[str, Any]) -> bytes:
        """:meth:`hedge`'s document as the response body (:func:`encode_document`), encoded
        in the worker (or the pool's thread), not on the event loop."""
        loop = asyncio.get_running_loop()
        if self.kind == "thread":
            return await loop.run_in_executor(
                self._executor, _market_hedge_json, self.market, overrides
            )
        tag, value = await loop.run_in_executor(self._executor, _worker_hedge_json, dict(overrides))
        if tag == "input":
            raise InputError(list(value))
        return bytes(value)

    def shutdown(self) -> None:
        """Stop the workers (running calls finish, queued ones are cancelled)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
