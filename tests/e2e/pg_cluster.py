"""A throwaway PostgreSQL cluster of the test's own: initdb in a temporary folder, its own
free port, crashed (SIGKILL) and restarted by the test. The machine's PostgreSQL (port 5432,
pg_ctlcluster) is never touched: every signal goes to a process whose pid this cluster's
postmaster.pid names, under this cluster's own data folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.ci import unavailable
from tests.e2e.support import free_port

MACHINE_PORT = 5432


def postgres_bin() -> Path | None:
    wanted = os.environ.get("TERRAIN_PG_BIN")
    if wanted:
        return Path(wanted)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class ThrowawayCluster:
    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None or not (bindir / "initdb").exists():
            unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin = bindir
        self.port = free_port()
        assert self.port != MACHINE_PORT
        self.root = Path(tempfile.mkdtemp(prefix="terrain-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        # initdb refuses root: run the server as the postgres OS user when we are root.
        self.user = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root and there is no postgres OS user to run a cluster as")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.user = "postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> ThrowawayCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        """Run the postmaster as our child (through runuser), so that the test reaps it."""
        assert self.port != MACHINE_PORT
        command = [
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.root),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=on",
        ]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                log_text = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the throwaway cluster did not start:\n{log_text}")
            time.sleep(0.1)

    def postmaster_pid(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return None
        return int(pid_file.read_text().split("\n", 1)[0])

    def crash(self) -> None:
        """SIGKILL the postmaster and every backend it started: no shutdown checkpoint, so the
        restart replays the WAL, as after a power cut of the database alone."""
        pid = self.postmaster_pid()
        assert pid is not None, "the cluster is not running"
        assert self._is_ours(pid), "postmaster.pid names a process outside this cluster"
        children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == pid]
        for victim in [pid, *children]:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)  # runuser reaps the postmaster, we reap runuser
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _is_ours(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            return False
        return str(self.data).encode() in cmdline

    def destroy(self) -> None:
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            pid = self.postmaster_pid()
            if pid is not None and self._is_ours(pid):
                os.kill(pid, signal.SIGQUIT)  # immediate shutdown of this cluster alone
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def _parent(proc: Path) -> int | None:
    try:
        stat = (proc / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
