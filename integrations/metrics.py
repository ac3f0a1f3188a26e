"""Prometheus metrics, all prefixed terrain_. Incremented where the event is known.

Under several API processes, PROMETHEUS_MULTIPROC_DIR (set by `terrain serve --workers N`) makes
each process write its figures there and /metrics sum them (prometheus_client's multiprocess
mode); it must be set before this module is imported."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES_INGESTED = Counter("terrain_updates_ingested_total", "Partner updates received", ["partner", "status", "result"])
VERDICTS = Counter("terrain_verdicts_total", "Verdict changes decided", ["verdict", "reason"])
REOPENS = Counter("terrain_reopens_total", "Cases entering reopened")
ALERTS_SENT = Counter("terrain_alerts_sent_total", "Alerts delivered", ["kind"])
ALERTS_FAILED = Counter("terrain_alerts_failed_total", "Alert delivery attempts that failed", ["kind"])
OUTBOUND_REQUESTS = Counter("terrain_outbound_requests_total", "Partner action requests", ["outcome"])
SWEEP_DURATION = Histogram("terrain_sweep_duration_seconds", "Duration of one deadline sweep run")
# The same figure whichever process read it: in multiprocess mode, the latest reading.
OUTBOX_DEPTH = Gauge("terrain_outbox_depth", "Alerts waiting for delivery", multiprocess_mode="mostrecent")
CARRIER_POLL_ERRORS = Counter(
    "terrain_carrier_poll_errors_total",
    "Carrier poll failures (mapping, auth, rate_limited, server, unreachable, http, config)",
    ["carrier", "kind"],
)
CARRIER_POLL_UPDATES = Counter(
    "terrain_carrier_poll_updates_total", "Updates read from carrier tracking APIs", ["carrier", "result"]
)  # mapped, stored, duplicate
# Read from carrier_accounts at each scrape, so the API shows what the flow workers counted.
CARRIER_ACCOUNT_ERRORS = Gauge(
    "terrain_carrier_account_errors",
    "Poll errors recorded per carrier account",
    ["partner", "carrier"],
    multiprocess_mode="mostrecent",
)
HTTP_DURATION = Histogram(
    "terrain_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def record_changes(all_changes) -> None:
    """Count verdicts and reopens from the changes a use case returned (CaseChanges)."""
    for changes in all_changes:
        for promise in changes.changed_promises:
            outcome = promise.outcome
            VERDICTS.labels(outcome.verdict.value, outcome.reason.value if outcome.reason else "").inc()
        if changes.status_changed and changes.case.status.value == "reopened":
            REOPENS.inc()
