"""Measured extraction quality on the labelled set of real and realistic brand replies
(tests/fixtures/extraction_labelled.jsonl): precision and recall per kind, deadline accuracy.
The README's figures come from this test (written to test-artifacts/extraction_quality.json).

How the set is labelled (what a careful reader sees promised, not what the rules find):
- a promise is a commitment to one of the five acts; asking, refusing, stating a policy ("refunds
  take 5-7 days"), making the act conditional ("if it hasn't arrived by Friday, we'll...") or
  reporting a past fact from tracking ("delivered on Monday, signed by...") promises nothing;
- "we'll get back to you" / "revenir vers vous" is a callback only with a stated deadline;
- a deadline belongs to the act it is said with; when an act has several, the latest one (what
  the customer was told to expect); with none, a deadline said in a sentence that names no act,
  else the kind's default (domain.extraction.DEFAULT_DELAY);
- days end at 23:59:59 local time, "morning" at noon, "within N hours" is N hours after said_at.
Sources: "twcs" (verbatim brand replies from the public Customer Support on Twitter sample,
all promise-free), "seed" (quotes from shared/seeds), "written" (in the style of real
community managers, with handles, greetings and signatures).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from domain.extraction import extract_promises

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "extraction_labelled.jsonl"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
KINDS = ["parcel.reroute", "parcel.deliver", "refund.issue", "item.replace", "callback"]


def measure() -> dict:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    on_time = checked = 0
    errors: list[tuple[str, ...]] = []
    items = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        said_at = datetime.fromisoformat(item["said_at"])
        found = {p.kind: p.due_at for p in extract_promises(item["text"], said_at, item.get("lang"))}
        expected = {p["kind"]: datetime.fromisoformat(p["due_at"]) for p in item["promises"]}
        for kind in found.keys() | expected.keys():
            if kind in found and kind in expected:
                tp[kind] += 1
                checked += 1
                if abs(found[kind] - expected[kind]) <= timedelta(days=1):
                    on_time += 1
                else:
                    errors.append((item["id"], kind, "deadline", str(found[kind]), str(expected[kind])))
            elif kind in found:
                fp[kind] += 1
                errors.append((item["id"], kind, "false positive"))
            else:
                fn[kind] += 1
                errors.append((item["id"], kind, "missed"))

    def ratio(a: int, b: int) -> float:
        return round(a / b, 3) if b else 1.0

    per_kind = {
        k: {"precision": ratio(tp[k], tp[k] + fp[k]), "recall": ratio(tp[k], tp[k] + fn[k]), "support": tp[k] + fn[k]}
        for k in KINDS
    }
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "replies": len(items),
        "with_promises": sum(1 for i in items if i["promises"]),
        "by_source": dict(Counter(i["source"] for i in items)),
        "precision": ratio(total_tp, total_tp + total_fp),
        "recall": ratio(total_tp, total_tp + total_fn),
        "deadline_within_a_day": ratio(on_time, checked),
        "per_kind": per_kind,
        "errors": errors,
    }


def test_extraction_quality_meets_its_targets():
    report = measure()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "extraction_quality.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(
        f"\n{report['replies']} replies, {report['with_promises']} with promises: precision "
        f"{report['precision']}, recall {report['recall']}, deadline within a day {report['deadline_within_a_day']}"
    )
    for kind, figures in report["per_kind"].items():
        print(f"  {kind:15} precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  (n={figures['support']})")
    assert report["replies"] >= 150
    assert all(figures["support"] >= 10 for figures in report["per_kind"].values())
    assert report["precision"] >= 0.9, report["errors"]
    assert report["recall"] >= 0.8, report["errors"]
    assert report["deadline_within_a_day"] >= 0.8, report["errors"]
