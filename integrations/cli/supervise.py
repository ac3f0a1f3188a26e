"""What `terrain up` starts, watched: a child that dies is started again with backoff, and the
state of each part is written to a status file that the API's /readyz reads.

`Supervised` wraps one part (the API process, the local Prefect server): `alive()` says whether
it runs, `restart()` starts it again (and may raise: the next try waits longer). The
`Supervisor` thread looks at every part twice a second.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("terrain.up")
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)
HEALTHY_AFTER = 60.0  # a part that has run this long starts again from the shortest delay


@dataclass
class Supervised:
    name: str
    alive: Callable[[], bool]
    restart: Callable[[], None]
    restarts: int = 0
    failures: int = 0  # restarts in a row that did not last HEALTHY_AFTER
    down_since: float | None = None
    next_try: float | None = None
    up_since: float = field(default_factory=time.monotonic)
    last_error: str | None = None

    def check(self, now: float) -> None:
        if self.alive():
            if self.down_since is not None:
                self.down_since, self.next_try, self.last_error = None, None, None
                self.up_since = now
            elif self.failures and now - self.up_since > HEALTHY_AFTER:
                self.failures = 0
            return
        if self.down_since is None:
            self.down_since = now
            delay = BACKOFF[min(self.failures, len(BACKOFF) - 1)]
            self.next_try = now + delay
            log.error("%s is not running; starting it again in %gs", self.name, delay)
            return
        if self.next_try is not None and now >= self.next_try:
            self.restarts += 1
            self.failures += 1
            try:
                self.restart()
            except Exception as exc:  # try again later, waiting longer
                self.last_error = f"{exc.__class__.__name__}: {str(exc)[:200]}"
                delay = BACKOFF[min(self.failures, len(BACKOFF) - 1)]
                self.next_try = now + delay
                log.error("%s did not start again (%s); next try in %gs", self.name, self.last_error, delay)
                return
            self.down_since, self.next_try, self.last_error = None, None, None
            self.up_since = now
            log.warning("%s started again (restart %d)", self.name, self.restarts)

    def state(self) -> dict[str, Any]:
        return {"running": self.down_since is None, "restarts": self.restarts, "last_error": self.last_error}


class Supervisor(threading.Thread):
    def __init__(
        self,
        parts: list[Supervised],
        status_file: Path,
        loops: Callable[[], dict[str, Any]],
        stop: threading.Event,
        every: float = 0.5,
    ) -> None:
        super().__init__(name="terrain-supervisor", daemon=True)
        self.parts, self.status_file, self.loops, self.stop, self.every = parts, status_file, loops, stop, every

    def run(self) -> None:
        while not self.stop.is_set():
            for part in self.parts:
                if self.stop.is_set():
                    break
                try:
                    part.check(time.monotonic())
                except Exception:  # the watcher itself must never die
                    log.exception("supervising %s failed", part.name)
            self.write_status()
            self.stop.wait(self.every)

    def write_status(self) -> None:
        status = {"at": time.time(), "parts": {p.name: p.state() for p in self.parts}, "loops": self.loops()}
        tmp = self.status_file.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(status))
            os.replace(tmp, self.status_file)
        except OSError:
            log.exception("cannot write %s", self.status_file)
