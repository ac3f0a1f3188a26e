#!/usr/bin/env python3
"""Bootstrap for a fresh machine with only Python 3.11: a local virtualenv, then the command.

    python3 run.py up --demo     # the main job: API, dashboard and flows on embedded SQLite
    python3 run.py test          # the whole suite, on SQLite then on PostgreSQL
    python3 run.py mutate        # mutation testing of domain/ and the ingest/reconcile use cases
    python3 run.py <any terrain command and options>
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from collections import Counter
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


DETECTED = ("killed", "timeout", "caught by type check", "segfault")


def run_mutation(extra: list[str]) -> int:
    """mutmut on what [tool.mutmut] in pyproject.toml names (domain/, the ingest and reconcile
    use cases), against the unit tests that cover them; a fresh run each time unless --keep.
    Prints the score per area and every surviving mutant (`mutmut show NAME` for its diff).
    Not in CI (about 10 minutes on 2 cores): run it before each release."""
    keep = "--keep" in extra
    extra = [arg for arg in extra if arg != "--keep"]
    if not keep:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    # mutmut imports the mutated copy under mutants/: the tree itself must not be on the path.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TERRAIN_TEST_DATABASE_URL")}
    env.setdefault("TERRAIN_PROPERTY_EXAMPLES", "50")  # once per mutant: the exact unit tests do the rest
    mutmut = [str(BIN / "python"), "-m", "mutmut"]
    started = time.monotonic()
    code = subprocess.run([*mutmut, "run", "--max-children", str(os.cpu_count() or 2), *extra], cwd=ROOT,
                          env=env).returncode
    elapsed = time.monotonic() - started
    listing = subprocess.run([*mutmut, "results", "--all", "true"], cwd=ROOT, env=env, capture_output=True,
                             text=True).stdout
    statuses = [line.strip().rsplit(": ", 1) for line in listing.splitlines() if ": " in line]
    if not statuses:
        print("no mutation results (see mutmut's output above)", file=sys.stderr)
        return code or 1
    areas = {"domain": "domain.", "ingest + reconcile": "integrations.services."}
    print(f"\n===== mutation score ({elapsed / 60:.1f} min) =====")
    for area, prefix in {**areas, "all": ""}.items():
        counts = Counter(status for name, status in statuses if name.startswith(prefix))
        detected = sum(counts[s] for s in DETECTED)
        judged = detected + counts["survived"] + counts["no tests"]
        score = detected / judged if judged else 0.0
        print(f"{area:20} {score:6.1%}  ({detected} of {judged} detected; "
              + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ")")
    survivors = [name for name, status in statuses if status in ("survived", "no tests")]
    print(f"\n{len(survivors)} surviving mutants (python -m mutmut show NAME; equivalent ones are listed "
          "in tests/MUTATION.md):")
    for name in survivors:
        print(f"  {name}")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "mutation.json").write_text(json.dumps(
        {"minutes": round(elapsed / 60, 1), "results": dict(statuses)}, indent=1))
    return code


def main() -> int:
    args = sys.argv[1:]
    ensure_venv()
    if args[:1] == ["test"]:
        return run_tests(args[1:])
    if args[:1] == ["mutate"]:
        return run_mutation(args[1:])
    if args[:1] == ["bench"]:
        return run_benches(args[1:])
    return subprocess.run([str(BIN / "terrain"), *args], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
