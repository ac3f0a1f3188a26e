"""Many single updates at once go through the group-commit batcher: each stored exactly once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from integrations.db import tables


@pytest.mark.usefixtures("db")
def test_concurrent_single_updates_are_each_committed_once(app, keys, db, clock):  # noqa: F811
    async def run():
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

                async def post(i):
                    body = {
                        "event_id": f"c{i % 150}",
                        "reference": f"R{i % 7}",
                        "status": "in_transit",
                        "occurred_at": clock.now.isoformat(),
                    }
                    return (await http.post("/v1/updates", json=body, headers=keys["ups"])).json()

                return await asyncio.gather(*(post(i) for i in range(300)))

    answers = asyncio.run(run())
    assert sum(a["accepted"] for a in answers) == 150  # 150 distinct events, each sent twice
    assert sum(a["duplicates"] for a in answers) == 150
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.updates)).scalar() == 150
