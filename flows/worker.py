"""A flow worker without the API: `python -m flows.worker` runs the scheduler loops until
SIGTERM, on PREFECT_API_URL or on a local Prefect server it starts (and stops). Several can run
at once against one database (see deployments/README.md)."""

from __future__ import annotations

import signal
import threading

from flows import prefect_server


def main() -> None:
    from integrations import logging_setup, tracing

    logging_setup.configure()
    tracing.setup()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server = prefect_server.ensure()  # before prefect is imported
    ended = True
    try:
        if not stop.is_set():
            from flows.scheduler import run_forever

            ended = run_forever(stop)
    finally:
        if not (server.stop() and ended):  # Prefect's exit hooks would wait on the stopped server
            prefect_server.leave(0)


if __name__ == "__main__":
    main()
