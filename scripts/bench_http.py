"""HTTP benchmark with wrk: single updates (16 connections) against `terrain serve` on PostgreSQL,
next to a bare FastAPI endpoint that only validates the same body, in the same run; then
batches of 1,000 updates against a raw multi-row INSERT of the same rows.

    python scripts/bench_http.py [--seconds 15] [--workers 2] [--url postgresql+psycopg2://...]
Needs wrk (apt-get install wrk). Prints rates, latencies and ratios; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg2
import psycopg2.extras

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch_db import scratch_database  # noqa: E402

from integrations.db import credentials  # noqa: E402
from integrations.db.engine import make_engine  # noqa: E402

BARE_APP = textwrap.dedent("""
    from fastapi import FastAPI
    from integrations.api.schemas import UpdateIn
    app = FastAPI()
    @app.post("/v1/updates")
    async def updates(body: UpdateIn):
        return {"accepted": 1, "duplicates": 0, "matched": 0}
""")
LUA = textwrap.dedent("""
    counter = 0
    local thread_id = 0
    setup = function(thread) thread_id = thread_id + 1; thread:set("tid", thread_id) end
    request = function()
      counter = counter + 1
      local body = string.format('{"event_id":"w%%s-%%d-%%d","reference":"REF%%d","status":"in_transit",' ..
        '"occurred_at":"%s","location":"Centre de tri Lille Lesquin"}', "%s", tid or 0, counter, counter %% 5000)
      return wrk.format("POST", "/v1/updates", {["Content-Type"]="application/json",
        ["Authorization"]="Bearer %s"}, body)
    end
""")


def post_script(workdir: Path, run: str, stamp: str, token: str) -> Path:
    """wrk's script for one run: its event ids are its own (`w<run>-<thread>-<n>`), so a run
    never re-sends the events of an earlier one (those would be duplicates: cheaper, and not
    what is being measured)."""
    script = workdir / f"post-{run}.lua"
    script.write_text(LUA % (stamp, run, token))
    return script


def wait(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(url)


def wrk(url: str, script: Path, seconds: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), url], capture_output=True, text=True, check=True
    ).stdout

    def ms(label: str) -> float:
        latency = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        assert latency is not None, output
        value, unit = latency.groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert rps is not None, output
    return {
        "rps": float(rps.group(1)),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def run_clients(clients: int, batches: int, post) -> float:
    """`clients` threads, each posting `batches` batches in turn; the wall time of the whole."""

    def client(n: int) -> None:
        state: dict = {}
        try:
            for b in range(batches):
                post(state, n, n * batches + b)
        finally:
            if "close" in state:
                state["close"]()

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return time.perf_counter() - start


def post_batch(token: str, stamp: str, state: dict, client: int, b: int) -> None:
    """Each client reports on parcels of its own (as separate partners' systems would), so
    batches do not queue on each other's reference locks."""
    if "http" not in state:
        state["http"] = httpx.Client(
            base_url="http://127.0.0.1:18080",
            timeout=60,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        state["close"] = state["http"].close
    body = json.dumps(
        {
            "updates": [
                {
                    "event_id": f"b{b}-{i}",
                    "reference": f"C{client}-REF{i}",
                    "status": "in_transit",
                    "occurred_at": stamp,
                    "location": "Centre de tri",
                }
                for i in range(1000)
            ]
        }
    )
    answer = state["http"].post("/v1/updates", content=body)
    assert answer.json()["accepted"] == 1000, answer.text


def raw_insert(dsn: str, stamp: str, state: dict, client: int, b: int) -> None:
    """The same 1,000 rows in one multi-row INSERT and one commit, as Terrain's transaction does."""
    if "conn" not in state:
        state["conn"] = psycopg2.connect(dsn)
        state["close"] = state["conn"].close
    rows = [
        ("carrier", f"r{b}-{i}", f"C{client}-REF{i}", "in_transit", stamp, stamp, "Centre de tri", None, None, None, None, None)
        for i in range(1000)
    ]
    with state["conn"], state["conn"].cursor() as cur:
        psycopg2.extras.execute_values(
            cur,
            "INSERT INTO raw_updates (partner, event_id, reference, status, occurred_at, received_at, "
            "location, address, signed_by, amount, currency, detail) VALUES %s",
            rows,
            page_size=1000,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url", default=os.environ.get("TERRAIN_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of bare app then Terrain; the median is shown")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=30, help="batches of 1,000 per client")
    parser.add_argument("--batch-clients", type=int, default=4, help="clients posting batches at once")
    args = parser.parse_args()
    with scratch_database(args.url) as url:
        processes = []
        try:
            engine = make_engine(url)
            token = credentials.create_key(engine, "partner", "carrier", datetime.now(UTC))
            env = {**os.environ, "TERRAIN_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
            workdir = Path(tempfile.mkdtemp())
            (workdir / "bare_app.py").write_text(BARE_APP)
            stamp = datetime.now(UTC).isoformat()
            bare = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bare_app:app",
                    "--port",
                    "18081",
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=workdir,
                env={**env, "PYTHONPATH": f"{workdir}:{ROOT}"},
            )
            api = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "integrations.cli.main",
                    "serve",
                    "--port",
                    "18080",
                    "--workers",
                    str(args.workers),
                    "--no-migrate",
                ],
                cwd=ROOT,
                env=env,
            )
            processes += [bare, api]
            wait("http://127.0.0.1:18081/docs")
            wait("http://127.0.0.1:18080/healthz")
            wrk("http://127.0.0.1:18080", post_script(workdir, "warm", stamp, token), 3)  # warm-up
            # Rounds alternate the bare app and Terrain: the machine's speed drifts over a minute
            # (neighbours, the kernel's writeback), and a ratio is only fair within one round.
            rounds = []
            for n in range(args.rounds):
                bare_round = wrk("http://127.0.0.1:18081", post_script(workdir, f"bare{n}", stamp, token), args.seconds)
                api_round = wrk("http://127.0.0.1:18080", post_script(workdir, f"api{n}", stamp, token), args.seconds)
                rounds.append((api_round["rps"] / bare_round["rps"], bare_round, api_round))
            ratio, bare_run, api_run = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]  # the median round

            batch_elapsed = run_clients(
                args.batch_clients, args.batches, lambda state, n, b: post_batch(token, stamp, state, n, b)
            )
            raw_dsn = url.replace("postgresql+psycopg2", "postgresql")
            with psycopg2.connect(raw_dsn) as raw, raw.cursor() as cur:
                cur.execute("CREATE TABLE raw_updates (LIKE updates INCLUDING ALL)")
            raw.close()
            raw_elapsed = run_clients(
                args.batch_clients, args.batches, lambda state, n, b: raw_insert(raw_dsn, stamp, state, n, b)
            )
            engine.dispose()
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=20)
    total = 1000 * args.batches * args.batch_clients
    batch_rate, raw_rate = total / batch_elapsed, total / raw_elapsed
    print(f"single updates, 16 connections, {args.workers} workers, {args.seconds}s each (wrk), the median round:")
    print(
        f"  terrain  : {api_run['rps']:8.0f} updates/s  p50 {api_run['p50_ms']:.1f} ms  p99 {api_run['p99_ms']:.1f} ms"
        f"  non-2xx {api_run['non_2xx']}"
    )
    print(f"  bare app : {bare_run['rps']:8.0f} req/s      p50 {bare_run['p50_ms']:.1f} ms  p99 {bare_run['p99_ms']:.1f} ms")
    print(
        f"  ratio    : {ratio:.2f}  (target >= 0.3; >= 1,000/s; p99 <= 50 ms)  median of {args.rounds} rounds: "
        + ", ".join(f"{r:.2f}" for r, _, _ in rounds)
    )
    print(
        f"batches of 1,000 over HTTP, {args.batch_clients} clients: {batch_rate:8.0f} updates/s; "
        f"raw multi-row INSERT, {args.batch_clients} connections: {raw_rate:8.0f} rows/s; "
        f"ratio {batch_rate / raw_rate:.2f}  (target >= 0.2; >= 20,000/s)"
    )


if __name__ == "__main__":
    main()
