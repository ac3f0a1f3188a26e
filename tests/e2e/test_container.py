"""The image of deployments/Containerfile, built and run with podman: the API answers its
probes, logs JSON lines with request ids, and the flow worker's entry point loads.

Skipped unless TERRAIN_TEST_CONTAINERS=1 (it needs podman and mmdebstrap, a few minutes and a
network to Debian's and Python's package registries); `.ci/run` sets it where podman installs.
Where no image registry is reachable the base image is made from Debian's packages with
mmdebstrap. Machine-specific `podman run`
options go in TERRAIN_TEST_PODMAN_RUN_ARGS (on a machine whose container may not raise its
limits: `--runtime runc --ulimit nofile=1024:20000 --ulimit nproc=4096:4096`), `podman build`
ones in TERRAIN_TEST_PODMAN_BUILD_ARGS (default `--isolation=chroot`)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import is_postgres
from tests.e2e.support import ROOT, free_port

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(os.environ.get("TERRAIN_TEST_CONTAINERS") != "1", reason="TERRAIN_TEST_CONTAINERS=1 builds images"),
    pytest.mark.skipif(is_postgres(), reason="the image runs on a SQLite file of its own: once, in the SQLite pass"),
]
BASE = "localhost/terrain-base:bookworm"
IMAGE = "localhost/terrain:test"
CA_DIR = Path("/usr/local/share/ca-certificates")


def podman(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=check)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    if podman("image", "exists", BASE, check=False).returncode != 0:
        base = tmp_path_factory.mktemp("base") / "base.tar"
        subprocess.run(
            ["mmdebstrap", "--variant=apt", "--include=ca-certificates", "bookworm", str(base)],
            check=True,
            timeout=600,
            capture_output=True,
        )
        podman("import", str(base), BASE)
    build = shlex.split(os.environ.get("TERRAIN_TEST_PODMAN_BUILD_ARGS", "--isolation=chroot"))
    if CA_DIR.is_dir() and any(CA_DIR.glob("*.crt")):  # a TLS-intercepting proxy's CA, for pip
        build += ["-v", f"{CA_DIR}:{CA_DIR}:ro"]
    podman(
        "build",
        *build,
        "--network=host",
        "-f",
        str(ROOT / "deployments" / "Containerfile"),
        "--build-arg",
        f"BASE_IMAGE={BASE}",
        "-t",
        IMAGE,
        str(ROOT),
        timeout=900,
    )
    return IMAGE


def run_args() -> list[str]:
    return shlex.split(os.environ.get("TERRAIN_TEST_PODMAN_RUN_ARGS", ""))


def test_the_image_migrates_serves_and_logs_json(image, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image runs as its own user
    env = ["-e", "TERRAIN_DATABASE_URL=sqlite:////data/terrain.db", "-v", f"{data}:/data"]
    migrated = podman("run", "--rm", *run_args(), "--network=host", *env, image, "db", "upgrade", check=False)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    port = free_port()
    name = f"terrain-api-{port}"
    podman(
        "run",
        "-d",
        "--name",
        name,
        *run_args(),
        "--network=host",
        *env,
        image,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--no-migrate",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert httpx.get(f"{base}/livez").json() == {"status": "ok"}
        answer = httpx.get(f"{base}/v1/ops/stuck", headers={"X-Request-ID": "in-the-box-1"})
        assert answer.status_code == 401 and answer.headers["x-request-id"] == "in-the-box-1"
        assert "# TYPE terrain_http_request_duration_seconds histogram" in httpx.get(f"{base}/metrics").text
        time.sleep(0.5)
        logs = podman("logs", name).stderr.splitlines()
        access = [json.loads(line) for line in logs if line.startswith("{") and '"terrain.access"' in line]
        assert any(line["request_id"] == "in-the-box-1" and line["status"] == 401 for line in access)
    finally:
        podman("rm", "-f", name, check=False)


def test_the_worker_entry_point_and_the_prefect_cli_are_in_the_image(image):
    worker = podman(
        "run",
        "--rm",
        *run_args(),
        "--entrypoint",
        "python3",
        image,
        "-c",
        "import flows.worker, flows.scheduler, integrations.schedules as s; print(s.INTERVALS)",
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert "dispatch-partner-requests" in worker.stdout
    prefect = podman("run", "--rm", *run_args(), "--entrypoint", "prefect", image, "version", check=False)
    assert prefect.returncode == 0 and "Version:" in prefect.stdout
