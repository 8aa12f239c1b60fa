"""Run a re-scoring over several processes, each taking one slice of the primary keys.

Processes are forked after the model is loaded, so every worker starts with the model in
memory (shared copy-on-write) and opens its own database connection.
"""

import multiprocessing
from collections.abc import Callable

from django.db import connections
from django.db.models import Max, Min, QuerySet


class RescoreWorkerFailed(RuntimeError):
    """A worker process died; the batches it committed stay, a rerun finishes the rest."""


def id_ranges(pending: QuerySet, *, parts: int) -> list[tuple[int, int]]:
    """Split the pending reviews' primary keys into up to `parts` half-open ranges."""
    bounds = pending.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return []
    step = -(-(high - low + 1) // parts)  # ceiling division
    return [(start, min(start + step, high + 1)) for start in range(low, high + 1, step)]


def first_by_pk(pending: QuerySet, *, count: int) -> QuerySet:
    """Only the first `count` pending reviews by primary key (none for 0), as one id range.

    The bound is read once, here: every worker then scores its slice of that range to the
    end, so several workers score exactly the reviews one worker with `limit=count` would.
    """
    if count == 0:
        return pending.none()
    last = list(pending.order_by("pk").values_list("pk", flat=True)[count - 1 : count])
    return pending.filter(pk__lte=last[0]) if last else pending


def rescore_in_processes(
    pending: QuerySet,
    *,
    workers: int,
    limit: int | None,
    progress: Callable[[int], None],
    run: Callable,
    **options,
) -> list:
    """Run `run(pending_slice, limit=None, progress=..., **options)` in one process per slice.

    With a `limit`, the slices cover only the first `limit` pending reviews by primary key.
    Returns each worker's result; `progress` receives the number scored so far, by all
    workers together, about once a second.
    """
    if limit is not None:
        pending = first_by_pk(pending, count=limit)
    ranges = id_ranges(pending, parts=workers)
    if not ranges:
        return [run(pending.none(), limit=None, progress=lambda result: None, **options)]
    context = multiprocessing.get_context("fork")
    scored_total = context.Value("q", 0)
    outcomes = context.SimpleQueue()
    # A forked child must never reuse the parent's database connection.
    connections.close_all()
    processes = [
        context.Process(
            target=_work,
            args=(run, pending.filter(pk__gte=low, pk__lt=high), options),
            kwargs={"scored_total": scored_total, "outcomes": outcomes},
            name=f"rescore-{low}-{high}",
        )
        for low, high in ranges
    ]
    for process in processes:
        process.start()
    try:
        results = supervise(processes, outcomes, progress=lambda: progress(scored_total.value))
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join()
    results += drain(outcomes)
    failures = worker_failures(processes, results)
    if failures:
        raise RescoreWorkerFailed("; ".join(failures))
    return results


def supervise(processes: list, outcomes, *, progress: Callable[[], None]) -> list:
    """Wait for the processes to end, collecting their outcomes and reporting progress."""
    results = []
    while any(process.is_alive() for process in processes):
        for process in processes:
            process.join(timeout=1 / len(processes))
        results += drain(outcomes)
        progress()
    return results


def drain(outcomes) -> list:
    results = []
    while not outcomes.empty():
        results.append(outcomes.get())
    return results


def worker_failures(processes: list, results: list) -> list[str]:
    """Each worker's error message, and each process that exited with an error code."""
    failures = [outcome for outcome in results if isinstance(outcome, str)]
    failures += [
        f"{process.name} exited with code {process.exitcode}"
        for process in processes
        if process.exitcode != 0
    ]
    return failures


def _work(run, pending, options, *, scored_total, outcomes) -> None:
    """A worker process: run its slice, put its result (or its error message) on `outcomes`."""
    reported = 0

    def count_progress(result) -> None:
        nonlocal reported
        with scored_total.get_lock():
            scored_total.value += result.scored - reported
        reported = result.scored

    try:
        outcomes.put(run(pending, limit=None, progress=count_progress, **options))
    except Exception as error:
        outcomes.put(f"{multiprocessing.current_process().name}: {error}")
        raise
    finally:
        connections.close_all()
