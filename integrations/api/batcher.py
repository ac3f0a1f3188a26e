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

from domain.model import FieldUpdate
from integrations.services.ingest import ItemResult

log = logging.getLogger(__name__)

IngestFn = Callable[[list[FieldUpdate]], list[ItemResult]]


class UpdateBatcher:
    def __init__(self, ingest: IngestFn, *, max_batch: int = 500, linger_seconds: float = 0.0) -> None:
        self.ingest = ingest
        self.max_batch = max_batch
        self.linger = linger_seconds
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
        while True:
            items = [await self.queue.get()]
            if self.linger:
                await asyncio.sleep(self.linger)  # let concurrent requests join this commit
            while len(items) < self.max_batch and not self.queue.empty():
                items.append(self.queue.get_nowait())
            await self._flush(items)

    async def _flush(self, items: list[tuple[FieldUpdate, asyncio.Future[ItemResult]]]) -> None:
        try:
            results = await asyncio.to_thread(self.ingest, [update for update, _ in items])
        except Exception as exc:  # every waiter gets the failure (mapped to 503 for DB errors)
            log.warning("batch of %d updates failed: %s", len(items), exc.__class__.__name__)
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)
