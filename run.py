#!/usr/bin/env python3
"""Bootstrap for a fresh machine with only Python 3.11: a local virtualenv, then the command.

    python3 run.py up --demo     # the main job: API, dashboard and flows on embedded SQLite
    python3 run.py test          # the whole suite, on SQLite then on PostgreSQL
    python3 run.py <any terrain command and options>
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PG_URL = os.environ.get("TERRAIN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def ensure_venv() -> None:
    """Create .venv and install the project with its test extras, again only when pyproject changes."""
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    stamp.write_text(digest)


def postgres_reachable() -> bool:
    code = ("import sqlalchemy,sys; e=sqlalchemy.create_engine(sys.argv[1]);"
            "c=e.connect(); c.close()")
    return subprocess.run([str(BIN / "python"), "-c", code, PG_URL], capture_output=True).returncode == 0


def run_tests(extra: list[str]) -> int:
    python = str(BIN / "python")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Lint everything; type-check the layers that hold the rules (domain, use cases).
    checks = [[python, "-m", "ruff", "check", "domain", "integrations", "flows", "tests", "scripts", "run.py"],
              [python, "-m", "mypy", "domain", "integrations/services"]]
    for check in checks:
        if subprocess.run(check, cwd=ROOT, env=env).returncode:
            return 1
    passes = [("SQLite", {})]
    if postgres_reachable():
        passes.append(("PostgreSQL", {"TERRAIN_TEST_DATABASE_URL": PG_URL}))
    elif os.environ.get("CI"):
        print(f"PostgreSQL is required in CI and is not reachable at {PG_URL}", file=sys.stderr)
        return 1
    else:
        print(f"note: PostgreSQL not reachable at {PG_URL}: running the SQLite pass only")
    status = 0
    for name, overrides in passes:
        print(f"\n===== test suite on {name} =====", flush=True)
        code = subprocess.run([python, "-m", "pytest", "-q", *extra], cwd=ROOT,
                              env={**env, **overrides}).returncode
        status = status or code
    return status


BENCHES = {  # name -> script; each prints its figures next to a baseline measured in the same run
    "ingest": "scripts/bench_ingest.py",
    "http": "scripts/bench_http.py",  # needs wrk (apt-get install wrk)
    "alerts": "scripts/bench_alerts.py",
    "dashboard": "scripts/bench_dashboard.py",  # seeds 1,000,000 cases first: about 15 minutes
    "carrier-poll": "scripts/bench_carrier_poll.py",  # 10,000 references against a local carrier server
}


def run_benches(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    status = 0
    for name in names or list(BENCHES):
        print(f"\n===== benchmark: {name} =====", flush=True)
        status = status or subprocess.run([str(BIN / "python"), BENCHES[name]], cwd=ROOT).returncode
    return status


def main() -> int:
    args = sys.argv[1:]
    ensure_venv()
    if args[:1] == ["test"]:
        return run_tests(args[1:])
    if args[:1] == ["bench"]:
        return run_benches(args[1:])
    return subprocess.run([str(BIN / "terrain"), *args], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
