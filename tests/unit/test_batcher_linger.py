"""The group commit's linger: an idle server commits a single update at once; under load (a
commit already in flight) an update waits briefly so that others share its commit."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from integrations.api.batcher import UpdateBatcher
from integrations.services.ingest import ItemResult
from tests.builders import update

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_an_idle_server_commits_at_once_and_a_busy_one_gathers_updates_into_fewer_commits():
    commits: list[int] = []
    release = threading.Event()

    def ingest(updates):
        commits.append(len(updates))
        if len(commits) == 1:
            release.wait(5)  # the first commit is slow: the database is busy
        return [ItemResult.ACCEPTED] * len(updates)

    async def scenario() -> None:
        batcher = UpdateBatcher(ingest, linger_seconds=0.2, concurrent_flushes=2)
        await batcher.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        first = asyncio.create_task(batcher.submit(update("ups", "R1", "in_transit", T0, event_id="e0")))
        while not commits:
            await asyncio.sleep(0.001)
        assert loop.time() - started < 0.15  # idle: no linger before the first commit
        # While it is in flight, five updates arrive one after another: the linger gathers them.
        later = []
        for n in range(1, 6):
            later.append(asyncio.create_task(batcher.submit(update("ups", f"R{n}", "in_transit", T0, event_id=f"e{n}"))))
            await asyncio.sleep(0.01)
        assert await asyncio.gather(*later) == [ItemResult.ACCEPTED] * 5
        release.set()
        assert await first == ItemResult.ACCEPTED
        await batcher.stop()

    asyncio.run(scenario())
    assert commits == [1, 5]


def test_without_a_linger_each_update_that_finds_a_free_slot_is_committed_alone():
    commits: list[int] = []
    release = threading.Event()

    def ingest(updates):
        commits.append(len(updates))
        if len(commits) == 1:
            release.wait(5)
        return [ItemResult.ACCEPTED] * len(updates)

    async def scenario() -> None:
        batcher = UpdateBatcher(ingest, linger_seconds=0.0, concurrent_flushes=2)
        await batcher.start()
        first = asyncio.create_task(batcher.submit(update("ups", "R1", "in_transit", T0, event_id="e0")))
        while not commits:
            await asyncio.sleep(0.001)
        later = []
        for n in range(1, 6):
            later.append(asyncio.create_task(batcher.submit(update("ups", f"R{n}", "in_transit", T0, event_id=f"e{n}"))))
            await asyncio.sleep(0.01)
        await asyncio.gather(*later)
        release.set()
        await first
        await batcher.stop()

    asyncio.run(scenario())
    assert len(commits) > 2  # the second slot takes them as they come
