"""A flow worker without the API: `python -m flows.worker` runs the scheduler loop until
SIGTERM. Several can run at once against one database (see deployments/README.md)."""

from __future__ import annotations

import asyncio
import signal

from flows.scheduler import run_forever


async def main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_forever(stop)


if __name__ == "__main__":
    asyncio.run(main())
