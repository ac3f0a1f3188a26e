"""Configuration from the environment (and an optional .env), read when asked, never at import."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations.schedules import ALERT_WATCH_SECONDS, INTERVALS

# Set by `terrain up` for the API process it starts: the file where it reports what runs (/readyz reads it).
UP_STATUS_FILE_ENV = "TERRAIN_UP_STATUS_FILE"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TERRAIN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./terrain.db"
    # Where `terrain up` keeps its own files: the local Prefect server, the secret key.
    data_dir: str = ".terrain"
    # Fernet key(s) that encrypt stored secrets (see integrations/secret_box.py); when unset,
    # <data_dir>/secret.key, generated on first use.
    secret_key: SecretStr | None = None
    alert_urls: str = Field(default="", description="apprise URLs, whitespace-separated")
    # Defaults from integrations/schedules.py, the table deployments/prefect.yaml follows too.
    sweep_interval_seconds: float = INTERVALS["deadline-sweep"]
    escalation_interval_seconds: float = INTERVALS["escalation"]
    partner_request_poll_seconds: float = INTERVALS["dispatch-partner-requests"]
    public_url: str = "http://127.0.0.1:8000"
    playbooks_file: str | None = None
    # Routes: {"partner:ups": "apprise URLs", "channel:twitter": "..."}; the first match wins,
    # partner before channel, else alert_urls.
    alert_routes: dict[str, str] = Field(default_factory=dict)
    escalation_urls: str = ""
    escalate_after_seconds: float = 4 * 3600
    escalate_on_reopen_count: int = 2
    alert_poll_seconds: float = 0.5
    # An alert-delivery run keeps watching the outbox this long after its last alert.
    alert_watch_seconds: float = ALERT_WATCH_SECONDS
    alert_max_attempts: int = 12
    # /readyz fails when an alert or partner request has been due this long with no flow run taking it.
    ready_max_lag_seconds: float = 60.0
    # A worker that dies mid-delivery loses its claim after this long; another one takes over.
    claim_lease_seconds: float = 60.0
    outbound_max_attempts: int = 8
    outbound_timeout_seconds: float = 10.0
    stripe_api_base: str = "https://api.stripe.com"
    # One line per request (terrain.access); about 10 us of Python each, off at the very top of a benchmark.
    access_log: bool = True
    # When set, /metrics answers only `Authorization: Bearer <this>`.
    metrics_token: str | None = None
    # Group commit of single updates: transactions in flight at once per API process. Two keep
    # the database busy while the next group gathers; more make smaller groups (measured with
    # scripts/bench_http.py: 2 beats 1, 3 and 6 on 2 cores).
    # Carrier polls: requests a second per carrier ({"laposte": 5}; default 5), references
    # asked at once per pass, references per chunk (one ingest transaction each), and how often
    # `terrain up` looks for accounts whose pass is due.
    carrier_rates: dict[str, float] = Field(default_factory=dict)
    carrier_default_rate: float = Field(default=5.0, gt=0)
    carrier_poll_workers: int = Field(default=4, ge=1, le=64)
    carrier_poll_chunk: int = Field(default=50, ge=1, le=1000)
    carrier_poll_max_per_pass: int = Field(default=10_000, ge=1)
    carrier_check_seconds: float = Field(default=5.0, gt=0)
    carrier_timeout_seconds: float = Field(default=10.0, gt=0)
    ingest_concurrent_commits: int = Field(default=2, ge=1, le=32)
    # Under load (a commit already in flight), a single update waits this long for others to
    # share its commit; an idle server commits at once.
    ingest_linger_ms: float = Field(default=0.5, ge=0, le=50)
    # The brand's time zone and country: "tomorrow", "by Friday" are days there, and business days
    # skip that country's public holidays (ISO 3166 code, `holidays` package).
    timezone: str = "Europe/Paris"
    country: str = "FR"
    # The language of alerts and next steps: "fr" or "en".
    language: Literal["en", "fr"] = "en"
    # Extracted promises at least this confident are recorded from a reply; the others are
    # suggested to the community manager, who confirms or dismisses them.
    suggestion_threshold: float = Field(default=0.8, ge=0.0, le=1.0)

    @property
    def sqlalchemy_url(self) -> str:
        """Accept the usual postgres:// spellings and pin the psycopg2 driver."""
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg2://" + url[len(prefix) :]
        return url


def get_settings() -> Settings:
    return Settings()
