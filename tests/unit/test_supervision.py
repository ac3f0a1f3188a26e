"""What `terrain up` starts is started again when it dies: with backoff, logged; a flow loop
that ends is started again too."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from integrations.cli.supervise import Supervised


class Part:
    def __init__(self, fail_restarts: int = 0) -> None:
        self.up, self.restarts, self.fail_restarts = True, 0, fail_restarts

    def alive(self) -> bool:
        return self.up

    def restart(self) -> None:
        self.restarts += 1
        if self.restarts <= self.fail_restarts:
            raise RuntimeError("port busy")
        self.up = True


def test_a_dead_part_is_restarted_after_a_growing_delay_and_logged(caplog):
    part = Part(fail_restarts=1)
    supervised = Supervised("the local Prefect server", part.alive, part.restart)
    with caplog.at_level(logging.INFO, logger="terrain.up"):
        supervised.check(0.0)
        assert supervised.state()["running"]
        part.up = False
        supervised.check(10.0)  # seen dead: first try in 1 s
        assert not supervised.state()["running"] and part.restarts == 0
        supervised.check(10.5)
        assert part.restarts == 0
        supervised.check(11.0)  # the first try fails: the next waits 2 s
        assert part.restarts == 1 and supervised.state()["last_error"] == "RuntimeError: port busy"
        supervised.check(12.5)
        assert part.restarts == 1
        supervised.check(13.0)
        assert part.restarts == 2 and supervised.state() == {"running": True, "restarts": 2, "last_error": None}
    logged = caplog.text
    assert "the local Prefect server is not running; starting it again in 1s" in logged
    assert "did not start again (RuntimeError: port busy); next try in 2s" in logged
    assert "the local Prefect server started again (restart 2)" in logged


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_flow_loop_that_dies_is_started_again(monkeypatch):
    from flows import scheduler

    monkeypatch.setattr(scheduler, "RESTART_BACKOFF", (0.1,))
    calls: list[int] = []

    class Crash(BaseException):
        """Not an Exception: the loop's own error handling lets it through and the thread ends."""

    async def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise Crash()

    stop = threading.Event()
    runner = threading.Thread(target=scheduler.run_forever, args=(stop, 2.0, [("test-loop", step, 0.05)]))
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(calls) >= 3  # crashed once, then ran again
        status = scheduler.loop_status()["test-loop"]
        assert status["restarts"] == 1 and status["running"]
    finally:
        stop.set()
        runner.join(timeout=10)
    assert scheduler.loop_status()["test-loop"]["running"] is False
