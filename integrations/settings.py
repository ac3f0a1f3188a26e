"""Configuration from the environment (and an optional .env), read when asked, never at import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TERRAIN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./terrain.db"
    alert_urls: str = Field(default="", description="apprise URLs, whitespace-separated")
    sweep_interval_seconds: float = 30.0
    public_url: str = "http://127.0.0.1:8000"
    playbooks_file: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        """Accept the usual postgres:// spellings and pin the psycopg2 driver."""
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg2://" + url[len(prefix):]
        return url


def get_settings() -> Settings:
    return Settings()
