"""Batched task execution in-process or on Dask distributed, with per-task failures.

A job is a module-level *batch function* ``fn(shared, items) -> list[TaskOutcome]``, one
``shared`` object (the case inputs every task needs) and a list of task items. The items are
cut into batches of consecutive items; each batch is one call of ``fn``. The three engines run
exactly the same batches with the same ``shared`` value:

- in-process (default): the batches run one after the other in this process;
- ``workers=N``: a :class:`distributed.LocalCluster` of ``N`` single-threaded worker processes;
- ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster.

On Dask, ``shared`` is scattered once to every worker (``broadcast=True``), not sent per task,
and every batch refers to it. A batch function reports each item's failure in its outcome; a
batch that fails as a whole (a worker lost, an unpicklable result) marks each of its items
failed and the other batches go on. Ctrl-C cancels every pending batch and closes the cluster.

Dask is the optional extra ``hedge-planner[dask]``; without it asking for workers or a scheduler
raises :class:`EngineUnavailableError` saying how to install it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hedge_planner.models.errors import InputError, InputIssue

logger = logging.getLogger(__name__)

#: Aim for this many batches per job (enough to balance a few dozen workers). A grid batch
#: compiles its problem once (~4x one solve of the example), so a batch of 50 points keeps that
#: and the scheduling cost under 10% of its solves.
TARGET_BATCHES = 40
#: Most items one batch carries (keeps a lost batch cheap to report).
MAX_BATCH = 50
#: Single-threaded BLAS/OpenMP in every worker process: one solve per core, no oversubscription.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

INSTALL_HINT = "install the Dask extra: pip install 'hedge-planner[dask]'"


@dataclass
class TaskOutcome:
    """Result of one task item.

    Attributes
    ----------
    index : int
        Position of the item in the job's item list.
    value : Any
        The task's result (``None`` when it failed).
    error : str or None
        Why the task failed (``None`` when it succeeded).
    seconds : float
        Wall time of the task inside its batch, seconds.
    """

    index: int
    value: Any
    error: str | None
    seconds: float


BatchFn = Callable[[Any, list[tuple[int, Any]]], list[TaskOutcome]]
ProgressFn = Callable[[int, int], None]


@dataclass
class JobStats:
    """Where a job's time went (filled by :func:`run_job` when given), seconds.

    Attributes
    ----------
    batches : int
        Batches run.
    batch_seconds : float
        Sum of the batch functions' wall times, measured where they ran (the parallel work).
    parent_seconds : float
        Parent work on the Dask path: connecting, scattering, submitting, and handling each
        result as it arrives (not the waiting). In-process, the loop outside the batches.
    wall_seconds : float
        Wall time of the whole :func:`run_job` call (a local cluster's start-up included).
    """

    batches: int = 0
    batch_seconds: float = 0.0
    parent_seconds: float = 0.0
    wall_seconds: float = 0.0


def timed_batch(
    fn: BatchFn, shared: Any, batch: list[tuple[int, Any]]
) -> tuple[list[TaskOutcome], float]:
    """Run one batch and measure it where it runs: (outcomes, wall seconds)."""
    t0 = time.perf_counter()
    out = fn(shared, batch)
    return out, time.perf_counter() - t0


class EngineUnavailableError(InputError):
    """Workers or a scheduler were asked for but Dask distributed is not installed."""

    def __init__(self, option: str) -> None:
        super().__init__(
            [InputIssue(option, None, option, f"needs Dask distributed; {INSTALL_HINT}")]
        )


def batch_size(n_items: int) -> int:
    """Items per batch: about :data:`TARGET_BATCHES` batches, at most :data:`MAX_BATCH` items
    (so per-batch overhead is shared by many solves).

    It depends on the item count only, never on the engine or the number of workers: the same
    batches run everywhere, so a result cannot depend on where it was computed.
    """
    if n_items <= 0:
        return 1
    return max(1, min(MAX_BATCH, -(-n_items // TARGET_BATCHES)))


def make_batches(n_items: int, size: int) -> list[list[int]]:
    """Indices ``0..n_items-1`` cut into consecutive batches of ``size``."""
    return [list(range(i, min(i + size, n_items))) for i in range(0, n_items, size)]


def run_guarded(fn: Callable[[Any], Any], index: int, item: Any) -> TaskOutcome:
    """Run ``fn(item)``; an exception becomes the outcome's error (logged with its trace)."""
    t0 = time.perf_counter()
    try:
        value = fn(item)
    except Exception as exc:
        logger.debug("task %d failed", index, exc_info=True)
        return TaskOutcome(index, None, _describe(exc), time.perf_counter() - t0)
    return TaskOutcome(index, value, None, time.perf_counter() - t0)


class TaskInputError(Exception):
    """A task's own input problem, already stated with its location (reported as is)."""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, TaskInputError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_job(
    fn: BatchFn,
    shared: Any,
    items: Sequence[Any],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    size: int | None = None,
    progress: ProgressFn | None = None,
    stats: JobStats | None = None,
) -> list[TaskOutcome]:
    """Run every item through ``fn`` in batches; outcomes in item order.

    Parameters
    ----------
    fn
        Module-level batch function (it must pickle by reference for Dask).
    shared
        The object every batch receives (scattered once on Dask).
    items
        Task items (picklable).
    workers
        Start a local cluster of this many worker processes.
    scheduler
        Address of an existing Dask scheduler (``tcp://HOST:PORT``).
    size
        Items per batch (default :func:`batch_size`). The batches, and so the results, do not
        depend on the engine.
    progress
        Called with (items done, items total) after each batch.
    stats
        Filled with where the time went (:class:`JobStats`).
    """
    if workers is not None and scheduler is not None:
        raise InputError(
            [InputIssue("--workers", None, "--workers", "give --workers or --scheduler, not both")]
        )
    t0 = time.perf_counter()
    n = len(items)
    size = size or batch_size(n)
    batches = [[(i, items[i]) for i in b] for b in make_batches(n, size)]
    job = stats if stats is not None else JobStats()
    job.batches = len(batches)
    try:
        if workers is None and scheduler is None:
            return _run_serial(fn, shared, batches, n, progress, job)
        return _run_dask(fn, shared, batches, n, workers, scheduler, progress, job)
    finally:
        job.wall_seconds = time.perf_counter() - t0


def _run_serial(
    fn: BatchFn,
    shared: Any,
    batches: list[list[tuple[int, Any]]],
    n: int,
    progress: ProgressFn | None,
    stats: JobStats,
) -> list[TaskOutcome]:
    t0 = time.perf_counter()
    out: list[TaskOutcome] = []
    for batch in batches:
        outcomes, seconds = timed_batch(fn, shared, batch)
        stats.batch_seconds += seconds
        out.extend(outcomes)
        if progress is not None:
            progress(len(out), n)
    result = sorted(out, key=lambda o: o.index)
    stats.parent_seconds = time.perf_counter() - t0 - stats.batch_seconds
    return result


def _client(workers: int | None, scheduler: str | None) -> Any:
    """A Dask client on a new local cluster or an existing scheduler."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineUnavailableError(
            "--workers" if workers is not None else "--scheduler"
        ) from None
    if scheduler is not None:
        return Client(scheduler, timeout="20s")
    if workers is None or workers < 1:
        raise InputError([InputIssue("--workers", None, "--workers", "must be 1 or more")])
    # Processes, one thread each: the solver holds the GIL for much of a solve.
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.WARNING,
        env=SINGLE_THREAD_ENV,
    )
    return Client(cluster)


def _run_dask(
    fn: BatchFn,
    shared: Any,
    batches: list[list[tuple[int, Any]]],
    n: int,
    workers: int | None,
    scheduler: str | None,
    progress: ProgressFn | None,
    stats: JobStats,
) -> list[TaskOutcome]:
    t0 = time.perf_counter()
    client = _client(workers, scheduler)  # says how to install Dask when it is missing
    from distributed import as_completed

    cluster = client.cluster if workers is not None else None
    futures: list[Any] = []
    try:
        if cluster is not None:
            t0 = time.perf_counter()  # a new cluster's start-up is not per-job parent work
        shared_future = client.scatter(shared, broadcast=True, hash=False)
        futures = [client.submit(timed_batch, fn, shared_future, b, pure=False) for b in batches]
        owner = {f.key: b for f, b in zip(futures, batches, strict=True)}
        out: list[TaskOutcome] = []
        stats.parent_seconds = time.perf_counter() - t0
        for fut in as_completed(futures):
            t1 = time.perf_counter()  # the parent's work on this result (not the waiting)
            try:
                outcomes, seconds = fut.result()
                stats.batch_seconds += seconds
                out.extend(outcomes)
            except Exception as exc:
                # The batch as a whole failed: every item in it is reported, the rest go on.
                reason = f"batch failed: {_describe(exc)}"
                out.extend(TaskOutcome(i, None, reason, 0.0) for i, _ in owner[fut.key])
            if progress is not None:
                progress(len(out), n)
            stats.parent_seconds += time.perf_counter() - t1
        return sorted(out, key=lambda o: o.index)
    except KeyboardInterrupt:
        logger.warning("interrupted: cancelling %d batches", len(futures))
        client.cancel(futures)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
