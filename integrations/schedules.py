"""How often each flow runs: one table for both ways of running them.

`deployments/prefect.yaml` (production work pools) and the embedded scheduler of `terrain up` /
`python -m flows.worker` (flows/scheduler.py) both follow it; tests/unit/test_deployments.py
checks that the YAML says the same. Settings can still override the embedded ones
(TERRAIN_SWEEP_INTERVAL_SECONDS, TERRAIN_PARTNER_REQUEST_POLL_SECONDS, ...)."""

from __future__ import annotations

# deployment name -> seconds between runs
INTERVALS: dict[str, float] = {
    "deadline-sweep": 30,
    # Each run then watches the outbox for ALERT_WATCH_SECONDS, looking every alert_poll_seconds:
    # an alert leaves within about a second whichever way the flows run.
    "alert-delivery": 55,
    "dispatch-partner-requests": 10,
    "escalation": 300,
    # Each run polls only the partners whose pass is due (their --poll-every); the embedded
    # scheduler checks every TERRAIN_CARRIER_CHECK_SECONDS instead and starts a run per partner.
    "carrier-poll": 60,
}
ALERT_WATCH_SECONDS = 60.0
