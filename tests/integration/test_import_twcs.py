"""`terrain import twcs`: threads rebuilt, complaints and replies recorded, idempotent."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from integrations.db import tables
from integrations.social.twcs import import_twcs
from tests.ci import unavailable

REAL_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-world" / "twcs" / "sample.csv"
HEADER = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (tables.cases, tables.complaints, tables.promises, tables.timeline)
        }


def test_a_thread_becomes_one_case_with_its_reply_and_promise(uow, db, tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        [
            ["1", "cust1", "True", "Mon Oct 09 10:00:00 +0000 2017", "@UPSHelp my parcel is stuck in Lille", "2", ""],
            [
                "2",
                "UPSHelp",
                "False",
                "Mon Oct 09 10:20:00 +0000 2017",
                "@cust1 Sorry! We will call you back within 24 hours to arrange a new delivery.",
                "3",
                "1",
            ],
            ["3", "cust1", "True", "Mon Oct 09 10:30:00 +0000 2017", "@UPSHelp ok thanks", "", "2"],
            ["4", "cust2", "maybe", "Mon Oct 09 10:40:00 +0000 2017", "bad row", "", ""],
            ["5", "cust3", "True", "not a date", "bad row", "", ""],
            ["6", "UPSHelp", "False", "Mon Oct 09 11:00:00 +0000 2017", "@x reply to a missing tweet", "", "999"],
        ],
    )
    report = import_twcs(uow, path)
    assert (report.rows, report.complaints, report.replies) == (6, 2, 1)
    assert sorted(line for line, _ in report.skipped) == [5, 6, 7]
    after_first = counts(db)
    assert after_first["cases"] == 1 and after_first["complaints"] == 2
    assert after_first["promises"] >= 1
    with db.connect() as conn:
        promise = conn.execute(select(tables.promises)).first()
    assert (promise.partner, promise.reference) == ("UPSHelp", "twitter:1")

    again = import_twcs(uow, path)
    assert again.already_imported == 1
    assert counts(db) == after_first  # idempotent: nothing doubled


def test_the_real_sample_imports_without_losing_a_row(uow, db):
    if not REAL_SAMPLE.exists():
        unavailable("../shared/data/real-world is not beside this checkout")
    report = import_twcs(uow, REAL_SAMPLE)
    with REAL_SAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    inbound = sum(r["inbound"] == "True" for r in rows)
    assert report.rows == len(rows) == 93
    assert report.complaints == inbound
    # Every brand reply is either recorded or reported, never silently dropped.
    assert report.replies + len([s for s in report.skipped if "reply" in s[1]]) == len(rows) - inbound
    assert counts(db)["complaints"] == inbound
    assert import_twcs(uow, REAL_SAMPLE).already_imported == report.replies
