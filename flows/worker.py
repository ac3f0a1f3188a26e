"""A flow worker without the API: `python -m flows.worker` runs the scheduler loops until
SIGTERM. Several can run at once against one database (see deployments/README.md)."""

from __future__ import annotations

import signal
import threading

from flows.scheduler import run_forever


def main() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(stop)


if __name__ == "__main__":
    main()
