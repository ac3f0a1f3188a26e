"""SQLAlchemy Core tables. The schema itself is created by Alembic migrations only."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from integrations.db.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# BIGSERIAL on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("reopen_count", Integer, nullable=False, server_default="0"),
    Column("customer_ref", String(200)),
    Column("order_ref", String(200)),
    Column("linked_to", String(36)),
    Column("disputed", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("status_changed_at", UTCDateTime),
    # Ops workflow (migration 0013_ops_workflow): who took the case (a person's name), since when.
    Column("owner", String(200)),
    Column("owned_at", UTCDateTime),
    Index("ix_cases_customer_ref", "customer_ref"),
    Index("ix_cases_owner", "owner", postgresql_where=text("owner IS NOT NULL"), sqlite_where=text("owner IS NOT NULL")),
    Index("ix_cases_order_ref", "order_ref"),
    Index(
        "ix_cases_resolved_at_resolved",
        "resolved_at",
        postgresql_where=text("status = 'resolved'"),
        sqlite_where=text("status = 'resolved'"),
    ),
    Index(
        "ix_cases_status_changed_at_reopened",
        "status_changed_at",
        postgresql_where=text("status = 'reopened'"),
        sqlite_where=text("status = 'reopened'"),
    ),
)

complaints = Table(
    "complaints",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False),
    Column("channel", String(100), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("customer_ref", String(200)),
    Column("order_ref", String(200)),
    Column("tracking_numbers", JSON, nullable=False),
    UniqueConstraint("channel", "external_id"),
    Index("ix_complaints_case_id", "case_id"),
)

promises = Table(
    "promises",
    metadata,
    Column("promise_id", String(36), primary_key=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("partner", String(200), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("expect", JSON, nullable=False),
    Column("said", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("reason", String(32)),
    Column("fulfilled_at", UTCDateTime),
    Column("evidence", JSON),
    Column("verdict_at", UTCDateTime),
    Column("addressed", Boolean, nullable=False, server_default=text("false")),
    # v1.1 (migration 0007): fields a keeping update could not verify, and an early warning.
    Column("unverified", JSON),
    Column("at_risk", JSON),
    Column("at_risk_since", UTCDateTime),
    Column("risk_check_at", UTCDateTime),  # when the carrier's silence starts to matter (parcels)
    # End-to-end steps (migration 0008): the promise a follow-on step carries on, and a plan's steps to come.
    Column("parent_id", String(36)),
    Column("plan", JSON),
    # Ops workflow (migration 0013_ops_workflow): a stuck promise acknowledged, hidden until a time.
    Column("snoozed_until", UTCDateTime),
    Column("acknowledged_by", String(200)),
    Column("acknowledged_at", UTCDateTime),
    Column("replaces", String(36)),  # the stuck promise a playbook's next step answers
    Index(
        "ix_promises_snoozed_until",
        "snoozed_until",
        postgresql_where=text("snoozed_until IS NOT NULL"),
        sqlite_where=text("snoozed_until IS NOT NULL"),
    ),
    Index("ix_promises_partner_reference", "partner", "reference"),
    Index("ix_promises_case_id", "case_id"),
    Index(
        "ix_promises_parent_id",
        "parent_id",
        postgresql_where=text("parent_id IS NOT NULL"),
        sqlite_where=text("parent_id IS NOT NULL"),
    ),
    # The sweep's "pending promises due before T" and the ops "stuck" list.
    Index(
        "ix_promises_due_at_pending",
        "due_at",
        postgresql_where=text("verdict = 'pending'"),
        sqlite_where=text("verdict = 'pending'"),
    ),
    Index(
        "ix_promises_due_at_unaddressed",
        "due_at",
        postgresql_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        sqlite_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
    ),
    Index("ix_promises_partner_created_at", "partner", "created_at"),
    # The first, partial day of a scorecard period is read from the promises (migration 0005).
    Index("ix_promises_created_at", "created_at"),
    # The same two lists filtered by partner (migration 0003).
    Index(
        "ix_promises_partner_due_at_pending",
        "partner",
        "due_at",
        postgresql_where=text("verdict = 'pending'"),
        sqlite_where=text("verdict = 'pending'"),
    ),
    Index(
        "ix_promises_partner_due_at_unaddressed",
        "partner",
        "due_at",
        postgresql_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        sqlite_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
    ),
    # Filtered or ordered by kind or reason (migration 0004).
    Index(
        "ix_promises_kind_due_at_unaddressed",
        "kind",
        "due_at",
        postgresql_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        sqlite_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
    ),
    Index(
        "ix_promises_reason_due_at_unaddressed",
        "reason",
        "due_at",
        postgresql_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        sqlite_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
    ),
    # Ops "at risk" and "to check" lists (migration 0007).
    Index(
        "ix_promises_at_risk_due_at",
        "due_at",
        postgresql_where=text("verdict = 'pending' AND at_risk_since IS NOT NULL"),
        sqlite_where=text("verdict = 'pending' AND at_risk_since IS NOT NULL"),
    ),
    Index(
        "ix_promises_risk_check_at",
        "risk_check_at",
        postgresql_where=text("verdict = 'pending' AND risk_check_at IS NOT NULL"),
        sqlite_where=text("verdict = 'pending' AND risk_check_at IS NOT NULL"),
    ),
    Index(
        "ix_promises_unverified_verdict_at",
        "verdict_at",
        postgresql_where=text("verdict = 'kept' AND unverified IS NOT NULL"),
        sqlite_where=text("verdict = 'kept' AND unverified IS NOT NULL"),
    ),
    # Sorted by one of kind/reason and filtered by the other (migration 0006).
    Index(
        "ix_promises_reason_kind_due_at_unaddressed",
        "reason",
        "kind",
        "due_at",
        postgresql_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        sqlite_where=text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
    ),
)

updates = Table(
    "updates",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("partner", String(200), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("location", String(500)),
    Column("address", String(500)),
    Column("signed_by", String(200)),
    Column("amount", String(40)),
    Column("currency", String(3)),
    Column("detail", Text),
    # v1.1 field truth (migration 0007)
    Column("postal_code", String(20)),
    Column("city", String(200)),
    Column("country", String(2)),
    Column("pickup_point_id", String(100)),
    Column("handed_to", String(16)),
    Column("carrier_code", String(50)),
    Column("handoff_partner", String(200)),
    Column("handoff_reference", String(200)),
    UniqueConstraint("partner", "event_id"),
    Index("ix_updates_partner_reference", "partner", "reference"),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("type", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_timeline_case_id_id", "case_id", "id"),
    Index("ix_timeline_type_id", "type", "id"),
)

# Promises a reply may have made that the extraction was unsure of, until confirmed or dismissed.
suggestions = Table(
    "suggestions",
    metadata,
    Column("suggestion_id", String(36), primary_key=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("said_at", UTCDateTime, nullable=False),
    Column("expect", JSON, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("partner", String(200)),
    Column("reference", String(200)),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime),
    Column("settled_by", String(200)),
    Column("promise_id", String(36)),
    Index("ix_suggestions_case_id_state", "case_id", "state"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False),
    Column("promise_id", String(36)),
    Column("kind", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Index(
        "ix_outbox_next_attempt_at_pending",
        "next_attempt_at",
        postgresql_where=text("state = 'pending'"),
        sqlite_where=text("state = 'pending'"),
    ),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("partner", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("name", String(200)),  # the person behind an agent or ops key, shown on timelines
    Column("alert_url", String(2000)),  # an apprise URL for that person's alerts
    Column("last_used_at", UTCDateTime),  # refreshed at most every few minutes
)

# Dashboard sessions: the cookie holds a random id, only its SHA-256 is stored here.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("key_id", BigId, ForeignKey("api_keys.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

partners = Table(
    "partners",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("action_url", String(2000)),
    Column("action_secret", String(2000)),  # encrypted: integrations/secret_box.py
    Column("updated_at", UTCDateTime, nullable=False),
)

webhook_secrets = Table(
    "webhook_secrets",
    metadata,
    Column("partner", String(200), primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("secret", String(2000), nullable=False),  # encrypted: integrations/secret_box.py
    Column("updated_at", UTCDateTime, nullable=False),
)

# One carrier account per partner: the tracking API Terrain polls for that partner's references
# (`terrain carriers set`). Secrets are written and read through integrations/db/credentials.py.
carrier_accounts = Table(
    "carrier_accounts",
    metadata,
    Column("partner", String(200), primary_key=True),
    Column("carrier", String(32), nullable=False),
    Column("api_url", String(2000), nullable=False),
    Column("api_key", String(2000)),  # room for the secret encrypted at rest (a Fernet token)
    Column("client_id", String(200)),
    Column("client_secret", String(2000)),
    Column("carrier_name", String(50)),  # behind a multi-carrier API (karrio): dpd, chronopost…
    Column("poll_every_seconds", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # What ops see in `terrain carriers list`: the last pass, the last error, how many so far.
    Column("last_pass_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("errors", Integer, nullable=False, server_default="0"),
    # Back-off after a 429 (Retry-After) or a carrier that is down (5xx, timeouts).
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("backoff_until", UTCDateTime),
)

# When each (partner, reference) was last asked for: due references are polled oldest first.
carrier_polls = Table(
    "carrier_polls",
    metadata,
    Column("partner", String(200), primary_key=True),
    Column("reference", String(200), primary_key=True),
    Column("last_polled_at", UTCDateTime, nullable=False),
    Column("outcome", String(32), nullable=False),
    Index("ix_carrier_polls_partner_last_polled_at", "partner", "last_polled_at"),
)

outbound_requests = Table(
    "outbound_requests",
    metadata,
    # One request per promise: the promise id is the idempotency key.
    Column("promise_id", String(36), ForeignKey("promises.promise_id"), primary_key=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False),
    Column("partner", String(200), nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Column("response", JSON),
    Index(
        "ix_outbound_requests_next_attempt_at_pending",
        "next_attempt_at",
        postgresql_where=text("state = 'pending'"),
        sqlite_where=text("state = 'pending'"),
    ),
)


# Scorecards at a million promises (migration 0005). Triggers on `promises` append a -1 row
# for the old state and a +1 row for the new one of every change to partner, created_at,
# verdict, reason or fulfilled_at (insert-only: no hot counter row for concurrent writers to
# queue on); integrations/db/scorecard_stats.py folds them into per-day counts.
scorecard_deltas = Table(
    "scorecard_deltas",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("partner", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("reason", String(32)),
    Column("fulfilled_at", UTCDateTime),
    Column("sign", Integer, nullable=False),
    # Reads take the few live rows by index: after a large fold the table keeps its pages.
    Index("ix_scorecard_deltas_created_at", "created_at"),
)

# Promises per (partner, UTC day the promise was made, verdict, reason); reason '' for none.
scorecard_days = Table(
    "scorecard_days",
    metadata,
    Column("partner", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("verdict", String(16), primary_key=True),
    Column("reason", String(32), primary_key=True),
    Column("promises", BigInteger, nullable=False),
)

# Kept promises per (partner, day, time-to-keep bucket), and the sum of their times: bucket b
# holds the times from 1.05**b to 1.05**(b+1) seconds (-1: under a second), so a median read as
# its bucket's mean is within 5%, and exact when the bucket's times are alike.
keep_time_days = Table(
    "keep_time_days",
    metadata,
    Column("partner", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("bucket", Integer, primary_key=True, autoincrement=False),
    Column("promises", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),
)
