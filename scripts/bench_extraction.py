"""Promise extraction speed on real replies: time per reply (p50, p95, max) and replies per
second on one core, over the labelled real replies (tests/fixtures/twcs_labelled) and the
French/English set (tests/fixtures/extraction_labelled.jsonl), each read in its brand's time zone
with its country's holidays, as the replies endpoint does.

    python scripts/bench_extraction.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.extraction import extract_promises  # noqa: E402
from integrations.services.calendar import holiday_check  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def replies() -> list[tuple[str, datetime, str, str]]:
    out = []
    for part in ("train", "test", "holdout2"):
        for line in (FIXTURES / "twcs_labelled" / f"{part}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            out.append((item["text"], datetime.fromisoformat(item["said_at"]), item["timezone"], item["country"]))
    for line in (FIXTURES / "extraction_labelled.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        out.append((item["text"], datetime.fromisoformat(item["said_at"]), "Europe/Paris", "FR"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    items = replies()
    checks = {country: holiday_check(country) for _, _, _, country in items}
    for text, said, tz, country in items[:50]:  # warm the regex and zoneinfo caches
        extract_promises(text, said, tz=tz, holiday=checks[country])
    for label, local in (("baseline: in said_at's zone, no holidays", False), ("brand's time zone and holidays", True)):
        timings = []
        started = time.perf_counter()
        for _ in range(args.rounds):
            for text, said, tz, country in items:
                t0 = time.perf_counter()
                if local:
                    extract_promises(text, said, tz=tz, holiday=checks[country])
                else:
                    extract_promises(text, said)
                timings.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        timings.sort()
        print(
            f"{label}: {len(items)} replies x {args.rounds} rounds on one core: "
            f"p50 {statistics.median(timings) * 1000:.2f} ms, p95 {timings[int(len(timings) * 0.95)] * 1000:.2f} ms, "
            f"max {timings[-1] * 1000:.2f} ms per reply; {len(timings) / elapsed:,.0f} replies/s"
        )


if __name__ == "__main__":
    main()
