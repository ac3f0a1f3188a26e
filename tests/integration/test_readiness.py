"""/readyz: 200 only when the flows run. Work due long ago that nobody took, or a part of
`terrain up` that is down (its status file), is a 503 naming what is not running."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from integrations.db import tables
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from tests.builders import complaint


def queue_alert(db, clock, due_ago: timedelta, key="k1"):
    case = open_complaint(uow_factory(db), complaint("où est mon colis", clock()), "agent:t")
    with db.begin() as conn:
        conn.execute(
            tables.outbox.insert().values(
                key=key,
                case_id=case.case_id,
                kind="promise_broken",
                payload={},
                created_at=clock() - due_ago,
                next_attempt_at=clock() - due_ago,
            )
        )


def test_ready_when_nothing_waits(client, db):
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/healthz").status_code == 200


def test_an_alert_due_long_ago_and_never_taken_means_the_flows_are_not_running(client, db, clock):
    queue_alert(db, clock, timedelta(seconds=5))  # just due: a poll will take it
    assert client.get("/readyz").status_code == 200
    queue_alert(db, clock, timedelta(minutes=3), key="k2")
    answer = client.get("/readyz")
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "not_ready" and "alerts" in error["details"] and "flows" in error["message"]
    assert client.get("/healthz").status_code == 200  # alive, not ready


def test_the_status_of_terrain_up_is_read(client, db, tmp_path, monkeypatch):
    status = tmp_path / "up.status.json"
    monkeypatch.setenv("TERRAIN_UP_STATUS_FILE", str(status))
    assert client.get("/readyz").status_code == 503  # not reported yet

    def report(prefect_running=True, failures=0, at=None):
        status.write_text(
            json.dumps(
                {
                    "at": at or time.time(),
                    "parts": {"the local Prefect server": {"running": prefect_running, "restarts": 0, "last_error": None}},
                    "loops": {"alerts": {"running": True, "failures": failures, "last_error": "ConnectError: refused"}},
                }
            )
        )

    report()
    assert client.get("/readyz").status_code == 200
    report(prefect_running=False)
    down = client.get("/readyz")
    assert down.status_code == 503 and "the local Prefect server" in down.json()["error"]["details"]
    report(failures=3)
    assert "3 round(s) failed" in client.get("/readyz").json()["error"]["details"]["flows:alerts"]
    report(at=time.time() - 60)
    assert "supervisor" in client.get("/readyz").json()["error"]["details"]
