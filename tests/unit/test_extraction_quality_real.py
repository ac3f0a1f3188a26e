"""Extraction measured on real brand replies labelled by hand (tests/fixtures/twcs_labelled, see its
README for provenance and the label guide). Round 1 wrote the rules on train.jsonl and measured them
on test.jsonl, whose misses were then read and published: test.jsonl is training data since round 2.
The held-out part is holdout2.jsonl: 1,447 replies never labelled before, labelled and committed
before any round-2 rule change, measured once before and once after (see the README for what that
measurement can and cannot say). Figures go to test-artifacts/extraction_quality_real_{part}.json.

Each reply is read in its brand's time zone and with its country's public holidays, as the
service does with TERRAIN_TIMEZONE / TERRAIN_COUNTRY.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from domain.extraction import extract_promises
from integrations.services.calendar import holiday_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twcs_labelled"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def load(part: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / f"{part}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def measure(items: list[dict]) -> dict:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    on_time = 0
    missed: list[str] = []
    for item in items:
        said_at = datetime.fromisoformat(item["said_at"])
        found = {
            p.kind: p
            for p in extract_promises(
                item["text"], said_at, item.get("lang"), tz=item["timezone"], holiday=holiday_check(item["country"])
            )
        }
        expected = {p["kind"]: p for p in item["promises"]}
        for kind in found.keys() | expected.keys():
            if kind in found and kind in expected:
                tp[kind] += 1
                due = datetime.fromisoformat(expected[kind]["due_at"])
                on_time += abs(found[kind].due_at - due) <= timedelta(days=1)
            elif kind in found:
                fp[kind] += 1
            else:
                fn[kind] += 1
                missed.append(item["id"])

    def ratio(a: int, b: int) -> float:
        return round(a / b, 3) if b else 1.0

    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "replies": len(items),
        "with_promises": sum(1 for i in items if i["promises"]),
        "tp": total_tp,
        "fp": total_fp,
        "fn": total_fn,
        "precision": ratio(total_tp, total_tp + total_fp),
        "recall": ratio(total_tp, total_tp + total_fn),
        "deadline_within_a_day": ratio(on_time, total_tp),
        "per_kind": {k: {"tp": tp[k], "fp": fp[k], "fn": fn[k]} for k in sorted(tp.keys() | fp.keys() | fn.keys())},
        "missed_ids": missed,
    }


def _report(part: str, report: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"extraction_quality_real_{part}.json").write_text(json.dumps(report, indent=2))
    print(
        f"\n{part}: {report['replies']} real replies, {report['with_promises']} with a promise: precision "
        f"{report['precision']}, recall {report['recall']}, deadline within a day {report['deadline_within_a_day']} "
        f"(tp {report['tp']}, fp {report['fp']}, fn {report['fn']})"
    )


def test_train_part_figures():
    """Printed for comparison only: the rules were written on this part."""
    report = measure(load("train"))
    _report("train", report)
    assert report["with_promises"] >= 50


def test_old_test_part_figures():
    """Round 1's test part, training data since round 2 (measured once in round 1, its misses read)."""
    report = measure(load("test"))
    _report("test", report)
    assert report["with_promises"] >= 40


# Round 2, measured once on holdout2 with the round-1 rules (precision 1.00, recall 0.068: 4 of 59) and
# once with the round-2 rules (precision 0.961, recall 0.831, deadlines 1.00). The gate is the issue's.
def test_holdout2_meets_the_targets():
    for part in ("train", "test"):
        _report(part, measure(load(part)))
    report = measure(load("holdout2"))
    _report("holdout2", report)
    assert report["replies"] >= 500 and report["with_promises"] >= 50
    assert report["precision"] >= 0.9
    assert report["recall"] >= 0.8
    assert report["deadline_within_a_day"] >= 0.8


PARTS = ("train", "test", "holdout2")


@pytest.mark.parametrize("part,other", [(a, b) for a in PARTS for b in PARTS if a < b])
def test_the_parts_do_not_overlap(part, other):
    assert not {i["tweet_id"] for i in load(part)} & {i["tweet_id"] for i in load(other)}


def test_holdout2_holds_no_reply_labelled_elsewhere():
    written = FIXTURES.parent / "extraction_labelled.jsonl"
    labelled = {
        json.loads(line)["id"].split("-")[1]
        for line in written.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line)["id"].startswith("twcs-")
    }
    assert labelled and not labelled & {i["tweet_id"] for i in load("holdout2")}
