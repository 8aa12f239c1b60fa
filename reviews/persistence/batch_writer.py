"""Write one scored batch while the next is being scored.

Scoring holds the GIL; SQLite and PostgreSQL drivers release it while a statement runs. A
single background thread with its own connection therefore overlaps a batch's INSERT and
UPDATE with the next batch's scoring. At most one write is in flight, so memory stays at
two batches, and each batch is still one transaction.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, connections


class BatchWriter:
    """Runs `store(*batch)` for each batch, in the background when that is safe.

    Inside an open transaction (a caller's atomic block, a test case) a second connection
    could not see the caller's rows, so the writes stay on the caller's thread.
    """

    def __init__(self, store: Callable[..., None]) -> None:
        self.store = store
        background = not connection.in_atomic_block
        self.executor = (
            ThreadPoolExecutor(1, thread_name_prefix="rescore-writer") if background else None
        )
        self.in_flight: Future | None = None

    def write(self, *batch) -> None:
        if self.executor is None:
            self.store(*batch)
            return
        self.wait()
        self.in_flight = self.executor.submit(self.store, *batch)

    def wait(self) -> None:
        """Block until the write in flight is committed; re-raise its error, if any."""
        if self.in_flight is not None:
            in_flight, self.in_flight = self.in_flight, None
            in_flight.result()

    def __enter__(self) -> "BatchWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.executor is None:
            return
        try:
            self.wait()
        finally:
            # The writer thread's connection is its own; close it before the thread ends.
            self.executor.submit(connections.close_all).result()
            self.executor.shutdown()
