"""The README's own command: `python3 run.py up --demo` stops everything on SIGTERM (run.py
becomes the terrain process), prints the dashboard URL with a login key once, and warns when no
alert target is set; `python3 run.py terrain …` runs the CLI.

These run run.py itself, so they need the .venv it installs (as `python3 run.py test` and CI
have); elsewhere they are skipped."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import is_postgres
from tests.e2e.support import ROOT, free_port, reap_group, wait_http


def _run_py():
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pytestmark = [
    pytest.mark.skipif(
        not _run_py().venv_current(), reason="run.py's .venv is not installed from the current lock (python3 run.py test does it)"
    ),
    pytest.mark.skipif(is_postgres(), reason="runs on a SQLite file of its own: once, in the SQLite pass"),
]


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TERRAIN_", "PREFECT_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        {
            "TERRAIN_DATABASE_URL": f"sqlite:///{tmp_path / 'terrain.db'}",
            "TERRAIN_DATA_DIR": str(tmp_path / "data"),
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "TERRAIN_SECRET_KEY": os.environ["TERRAIN_SECRET_KEY"],
        }
    )
    return env


def test_sigterm_to_run_py_up_demo_stops_every_process_it_started(tmp_path):
    port = free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "up", "--demo", "--port", str(port)],
            env=clean_env(tmp_path),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=90)
        deadline = time.monotonic() + 120  # the local Prefect server starts after the API
        while time.monotonic() < deadline and not any("prefect" in _cmdline(p) for p in descendants(process.pid)):
            time.sleep(0.5)
        started = descendants(process.pid)
        assert any("prefect" in _cmdline(p) for p in started), err.read_text()[-2000:]
        assert any("serve" in _cmdline(p) for p in started)

        # The dashboard and a login key, shown once on standard output; a loud warning on stderr.
        token = re.search(r"\btrn_o_[A-Za-z0-9_-]{20,}", out.read_text())
        assert token, out.read_text()
        assert f"http://127.0.0.1:{port}/" in err.read_text()
        assert "WARNING: no alert target is set" in err.read_text()
        answer = httpx.get(f"http://127.0.0.1:{port}/v1/ops/stuck", headers={"Authorization": f"Bearer {token.group()}"})
        assert answer.status_code == 200
        for path in (tmp_path / "data").rglob("*"):  # never written to a file of Terrain's own
            if path.is_file():
                assert token.group() not in path.read_text(errors="replace"), path
        for path in (tmp_path / "prefect").rglob("*.log"):
            assert token.group() not in path.read_text(errors="replace"), path

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(p) for p in started):
            time.sleep(0.2)
        assert [(p, _cmdline(p)) for p in started if running(p)] == []
    finally:
        reap_group(process)


def test_a_second_up_makes_no_new_key_and_alerts_without_target_are_logged(tmp_path):
    """With a key already there, up prints the URL only; the alerts of the demo go to the log."""
    port = free_port()
    env = clean_env(tmp_path)
    subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "terrain", "keys", "create", "--role", "ops"],
        env=env,
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "terrain", "db", "upgrade"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0 and "database at head" in result.stderr
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "up", "--demo", "--port", str(port)],
            env={**env, "TERRAIN_SWEEP_INTERVAL_SECONDS": "1"},
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and "ROLAND" not in err.read_text(errors="replace"):
            time.sleep(0.5)
        logged = err.read_text(errors="replace")
        assert "ALERT (no alert target is set" in logged and "ROLAND" in logged, logged[-3000:]
        assert "trn_o_" not in out.read_text()
        assert "log in with an ops key" in logged
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        finally:
            reap_group(process)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
