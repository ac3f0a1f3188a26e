"""Profile of the single-update request path under load: `terrain serve` (one worker) on a
scratch PostgreSQL database, wrk posting single updates on 16 connections, py-spy sampling the
worker. Prints the rate, the CPU each process spent per update, and the functions with the most
samples (inclusive, then exclusive), so a change to the path can be compared before and after.

    python scripts/profile_updates.py [--seconds 10] [--top 25]
Needs wrk and py-spy (`pip install py-spy`). Not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_http import BARE_APP, post_script, wait  # noqa: E402
from scratch_db import scratch_database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from integrations.db import credentials  # noqa: E402
from integrations.db.engine import make_engine  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            if text.split("(", 1)[1].startswith("postgres"):
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return total


def commits(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")).scalar_one()
    engine.dispose()
    return int(count)


def frame_name(frame: str) -> str:
    # py-spy raw frames: "function (path/to/file.py:line)"; lines dropped so a function is one entry.
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3.11/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def top(raw: Path, count: int) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        n = int(samples)
        frames = [frame_name(f) for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        for name in set(frames):
            inclusive[name] += n
        exclusive[frames[-1]] += n
    return total, inclusive.most_common(count), exclusive.most_common(count)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url", default=os.environ.get("TERRAIN_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--bare", action="store_true", help="profile the bare FastAPI endpoint instead (the baseline)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    with scratch_database(args.url) as url:
        engine = make_engine(url)
        token = credentials.create_key(engine, "partner", "carrier", datetime.now(UTC))
        engine.dispose()
        stamp = datetime.now(UTC).isoformat()
        warm, script = post_script(workdir, "warm", stamp, token), post_script(workdir, "run", stamp, token)
        env = {**os.environ, "TERRAIN_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "TERRAIN_LOG_FORMAT": "json"}
        command = [sys.executable, "-m", "integrations.cli.main", "serve", "--port", "18090", "--workers", "1", "--no-migrate"]
        if args.bare:
            (workdir / "bare_app.py").write_text(BARE_APP)
            env["PYTHONPATH"] = f"{workdir}:{ROOT}"
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "bare_app:app",
                "--port",
                "18090",
                "--no-access-log",
                "--app-dir",
                str(workdir),
            ]
        api = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait("http://127.0.0.1:18090/livez")
            served = "http://127.0.0.1:18090"
            subprocess.run(["wrk", "-t2", "-c16", "-d3s", "-s", str(warm), served], capture_output=True, check=True)  # warm-up
            raw = workdir / "profile.txt"
            spy = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--gil",
                    "-r",
                    "200",
                    "-d",
                    str(args.seconds),
                    "-f",
                    "raw",
                    "-o",
                    str(raw),
                    "--pid",
                    str(api.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
            api_cpu, pg_cpu, commits_before = cpu_seconds(api.pid), postgres_cpu(), commits(url)
            wrk = ["wrk", "-t2", "-c16", f"-d{args.seconds}s", "-s", str(script), served]
            out = subprocess.run(wrk, capture_output=True, text=True, check=True).stdout
            api_cpu, pg_cpu = cpu_seconds(api.pid) - api_cpu, postgres_cpu() - pg_cpu
            transactions = commits(url) - commits_before
            spy.wait(timeout=60)
        finally:
            api.terminate()
            api.wait(timeout=20)
    requests = int(out.split(" requests in ")[0].split()[-1])
    rate = float(out.split("Requests/sec:")[1].split()[0])
    print(f"{rate:.0f} updates/s over {requests} requests (1 worker, 16 connections)")
    print(f"{requests / max(transactions, 1):.1f} updates per transaction (group commit)")
    print(f"CPU per update: worker {api_cpu / requests * 1e6:.0f} µs, PostgreSQL {pg_cpu / requests * 1e6:.0f} µs")
    total, inclusive, exclusive = top(raw, args.top)
    print(f"\npy-spy, {total} samples of the worker's thread holding the GIL — inclusive:")
    for name, n in inclusive:
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("exclusive:")
    for name, n in exclusive:
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
