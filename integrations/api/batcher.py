"""Group commit for single updates.

Each single-update request waits for a commit, but concurrent requests share one: a background
task drains whatever is queued (up to `max_batch`), ingests it in one transaction in a worker
thread, and answers every waiter with its own result. A 2xx is only sent after the commit, so
durability is unchanged; throughput is that of batches instead of one transaction per request.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from sqlalchemy.exc import OperationalError

from domain.model import FieldUpdate
from integrations.services.ingest import ItemResult

log = logging.getLogger(__name__)

IngestFn = Callable[[list[FieldUpdate]], list[ItemResult]]


class UpdateBatcher:
    def __init__(
        self, ingest: IngestFn, *, max_batch: int = 500, linger_seconds: float = 0.0, concurrent_flushes: int = 2
    ) -> None:
        self.ingest = ingest
        self.max_batch = max_batch
        self.linger = linger_seconds
        # A few transactions in flight at once: while one waits on the database, the next
        # batch is already being written (the database orders conflicting ones itself).
        self.concurrent_flushes = concurrent_flushes
        self.queue: asyncio.Queue[tuple[FieldUpdate, asyncio.Future[ItemResult]]] | None = None
        self.task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue()
        self.task = asyncio.create_task(self._run(), name="update-batcher")

    async def stop(self) -> None:
        if self.task and self.loop is asyncio.get_running_loop():
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        # Nobody will answer what is still queued: fail it rather than leave clients hanging.
        while self.queue and not self.queue.empty():
            _update, future = self.queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("server shutting down"))

    async def submit(self, update: FieldUpdate) -> ItemResult:
        if self.loop is not asyncio.get_running_loop() or self.task is None or self.task.done():
            # Started lazily in the loop that serves requests (test clients may use another).
            await self.start()
        assert self.queue is not None
        future: asyncio.Future[ItemResult] = asyncio.get_running_loop().create_future()
        await self.queue.put((update, future))
        return await future

    async def _run(self) -> None:
        assert self.queue is not None
        slots = asyncio.Semaphore(self.concurrent_flushes)
        in_flight: set[asyncio.Task[None]] = set()

        def finished(done: asyncio.Task[None]) -> None:
            in_flight.discard(done)
            slots.release()

        try:
            while True:
                await slots.acquire()
                items = [await self.queue.get()]
                if self.linger and in_flight:
                    # Another commit is under way: the database is busy, so wait a little for
                    # more requests to join this one (fewer, larger transactions cost less of
                    # it per update). An idle server commits at once: no added latency.
                    await asyncio.sleep(self.linger)
                while len(items) < self.max_batch and not self.queue.empty():
                    items.append(self.queue.get_nowait())
                task = asyncio.create_task(self._flush(items))
                in_flight.add(task)
                task.add_done_callback(finished)
        finally:
            if in_flight:  # answer what is already being written before stopping
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _flush(self, items: list[tuple[FieldUpdate, asyncio.Future[ItemResult]]]) -> None:
        # Concurrent flushes (and other processes) insert overlapping events in one order, the
        # repository's (partner, event_id): they wait on each other, never deadlock.
        updates = [update for update, _ in items]
        try:
            # `ingest` already tried again once the pool let a dead connection go, or after a
            # deadlock (integrations/db/retry.py).
            results = await asyncio.to_thread(self.ingest, updates)
        except Exception as exc:
            if len(items) > 1 and not _database_down(exc):
                # One bad update must not fail the others that shared its transaction: each is
                # retried alone (idempotent: nothing of the failed transaction was committed).
                log.warning("batch of %d updates failed (%s); retrying one by one", len(items), exc.__class__.__name__)
                for item in items:
                    await self._flush([item])
                return
            log.warning("batch of %d updates failed: %s", len(items), exc.__class__.__name__)
            for _, future in items:  # every waiter gets the failure (503 for database errors)
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)


def _database_down(exc: Exception) -> bool:
    """The database is unreachable: retrying item by item would only hammer it. A deadlock or
    serialization failure (SQLSTATE class 40) is not that: those items are retried alone."""
    if getattr(exc, "connection_invalidated", False):
        return True
    pgcode = getattr(getattr(exc, "orig", None), "pgcode", None) or ""
    return isinstance(exc, OperationalError) and not pgcode.startswith("40")
