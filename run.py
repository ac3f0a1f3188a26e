#!/usr/bin/env python3
"""Bootstrap for a fresh machine with only Python 3.11: a local virtualenv, then the command.

    python3 run.py up --demo         # the main job: API, dashboard and flows on embedded SQLite
    python3 run.py test              # the whole suite, on SQLite then on PostgreSQL
    python3 run.py terrain <command> # any terrain command (`python3 run.py <command>` works too)
    python3 run.py lock [--upgrade]  # regenerate requirements.lock from pyproject.toml
    python3 run.py mutate            # mutation testing of domain/ and the ingest/reconcile use cases

The virtualenv gets the exact versions of requirements.lock (with their hashes), then Terrain
itself without dependencies. A terrain command replaces this process (exec): SIGTERM or Ctrl-C
reach it directly, and it stops what it started.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"
# The one command that makes requirements.lock (`python3 run.py lock` runs it).
COMPILE = [
    "-m",
    "piptools",
    "compile",
    "--quiet",
    "--extra",
    "test",
    "--generate-hashes",
    "--strip-extras",
    "--no-emit-index-url",
    "--no-emit-find-links",
    "--output-file",
    "requirements.lock",
    "pyproject.toml",
]
PIP_TOOLS = "pip-tools>=7.6,<8"
PG_URL = os.environ.get("TERRAIN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def installed_digest() -> str:
    """What .venv was installed from: pyproject.toml and requirements.lock."""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()


def venv_current() -> bool:
    stamp = VENV / ".installed"
    return stamp.exists() and stamp.read_text() == installed_digest()


def ensure_venv() -> None:
    """Create .venv and install the locked versions, then the project itself without
    dependencies; again only when pyproject.toml or requirements.lock change."""
    if venv_current():
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    # A dependency added to pyproject.toml but not to the lock would be missing: say so.
    check = subprocess.run(
        [str(BIN / "python"), "-m", "pip", "check", "--disable-pip-version-check"], capture_output=True, text=True
    )
    if check.returncode:
        sys.exit(
            f"{check.stdout}{check.stderr}requirements.lock does not hold what pyproject.toml needs: "
            "run `python3 run.py lock` and commit requirements.lock"
        )
    (VENV / ".installed").write_text(installed_digest())


def lock(extra: list[str]) -> int:
    """Regenerate requirements.lock from pyproject.toml (main and test dependencies, hashed).
    Versions already in the lock are kept when they still fit; `--upgrade` takes the newest."""
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    python = str(BIN / "python")
    subprocess.run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q", PIP_TOOLS], check=True)
    return subprocess.run([python, *COMPILE, *extra], cwd=ROOT).returncode


def forwarding_signals(child: subprocess.Popen) -> None:
    """SIGTERM and SIGINT sent to run.py go to the child too (test and bench runs)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))


def run_child(command: list[str], **kwargs) -> int:
    child = subprocess.Popen(command, **kwargs)
    forwarding_signals(child)
    return child.wait()


def postgres_reachable() -> bool:
    code = "import sqlalchemy,sys; e=sqlalchemy.create_engine(sys.argv[1]);c=e.connect(); c.close()"
    return subprocess.run([str(BIN / "python"), "-c", code, PG_URL], capture_output=True).returncode == 0


def run_tests(extra: list[str]) -> int:
    python = str(BIN / "python")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Lint, check the formatting of and type-check the whole tree.
    checks = [
        [python, "-m", "ruff", "check", "domain", "integrations", "flows", "tests", "scripts", "run.py"],
        [python, "-m", "ruff", "format", "--check", "domain", "integrations", "flows", "tests", "scripts", "run.py"],
        [python, "-m", "mypy"],
    ]  # the files of pyproject's [tool.mypy]: the whole tree (domain, integrations, flows, scripts, tests, run.py)
    for check in checks:
        if subprocess.run(check, cwd=ROOT, env=env).returncode:
            return 1
    passes: list[tuple[str, dict[str, str]]] = [("SQLite", {})]
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
        code = run_child([python, "-m", "pytest", "-q", *extra], cwd=ROOT, env={**env, **overrides})
        status = status or code
    return status


BENCHES = {  # name -> script; each prints its figures next to a baseline measured in the same run
    "ingest": "scripts/bench_ingest.py",
    "http": "scripts/bench_http.py",  # needs wrk (apt-get install wrk)
    "alerts": "scripts/bench_alerts.py",
    "dashboard": "scripts/bench_dashboard.py",  # seeds 1,000,000 cases first: about 15 minutes
    "extraction": "scripts/bench_extraction.py",  # per reply p95 and replies/s on one core
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
        status = status or run_child([str(BIN / "python"), BENCHES[name]], cwd=ROOT)
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
    code = subprocess.run([*mutmut, "run", "--max-children", str(os.cpu_count() or 2), *extra], cwd=ROOT, env=env).returncode
    elapsed = time.monotonic() - started
    listing = subprocess.run([*mutmut, "results", "--all", "true"], cwd=ROOT, env=env, capture_output=True, text=True).stdout
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
        print(
            f"{area:20} {score:6.1%}  ({detected} of {judged} detected; "
            + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            + ")"
        )
    survivors = [name for name, status in statuses if status in ("survived", "no tests")]
    print(f"\n{len(survivors)} surviving mutants (python -m mutmut show NAME; equivalent ones are listed in tests/MUTATION.md):")
    for name in survivors:
        print(f"  {name}")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "mutation.json").write_text(
        json.dumps({"minutes": round(elapsed / 60, 1), "results": dict(statuses)}, indent=1)
    )
    return code


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["lock"]:
        return lock(args[1:])
    ensure_venv()
    if args[:1] == ["test"]:
        return run_tests(args[1:])
    if args[:1] == ["mutate"]:
        return run_mutation(args[1:])
    if args[:1] == ["bench"]:
        return run_benches(args[1:])
    if args[:1] == ["terrain"]:
        args = args[1:]
    # Become the terrain command: signals reach it, and it stops its children itself.
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)
    terrain = str(BIN / "terrain")
    os.execv(terrain, [terrain, *args])


if __name__ == "__main__":
    sys.exit(main())
