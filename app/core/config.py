"""Settings, read once from the environment (`CALLPULSE_*`, `DATABASE_URL`)."""

from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Process-wide configuration; every field maps to `CALLPULSE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="CALLPULSE_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "CALLPULSE_DATABASE_URL"),
        description="PostgreSQL URL; unset = start the embedded PostgreSQL in data_dir.",
    )
    data_dir: Path = Field(default=Path("~/.callpulse"))
    interval_minutes: Literal[5, 10, 15, 30, 60] = 15
    max_body_bytes: int = 10 * 1024 * 1024
    max_batch_records: int = 10_000
    future_tolerance_s: int = 300
    max_record_age_days: int = Field(
        default=400, gt=0, description="older records are refused (imports may widen it)"
    )
    rate_limit_per_s: float = 200.0
    rate_limit_burst: int = 400
    db_pool_size: int = 10
    db_retry_after_s: int = 5
    max_ingest_in_flight: int = Field(
        default=8, gt=0, description="ingest requests one process works on at once; more get 503"
    )
    ingest_slot_wait_ms: int = Field(
        default=50, ge=0, le=1000, description="how long an excess ingest request waits for a slot"
    )
    partitions_ahead_months: int = 3
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(default=None, description="signs login sessions")
    scheduler: bool = Field(default=True, description="run periodic jobs in the API process")
    aggregate_every_s: float = Field(default=1.0, gt=0)
    aggregate_batch: int = Field(
        default=20_000, gt=0, description="markers, and change rows of each source, per pass"
    )
    aggregate_pass_markers: int = Field(
        default=500,
        gt=0,
        description="markers a scheduled pass recomputes at most (`callpulse aggregate` and"
        " rebuilds take aggregate_batch): a minute's refresh of every open agent is spread"
        " over short passes, so new calls never wait long behind it",
    )
    aggregate_max_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="the largest share of time scheduled passes may take: after a pass of t"
        " seconds the next waits t × (1/share − 1), so a backlog never starves ingest",
    )
    wall_change_gap_s: float = Field(
        default=0.15,
        ge=0,
        le=5,
        description="the shortest time between two redraws of a client's wallboards on new"
        " data: lower is fresher on a busy floor, higher costs less",
    )
    agent_stale_after_s: int = Field(default=2 * 3600, gt=0)
    waiting_horizon_s: int = Field(default=4 * 3600, gt=0)
    default_sl_target: float = Field(default=0.80, gt=0, lt=1, description="queues without one")
    default_abandon_rate_max: float = Field(default=0.10, gt=0, lt=1, description="likewise")
    alerts_every_s: float = Field(default=15, gt=0, le=30, description="alert evaluation")
    default_aht_s: float = Field(default=180, gt=0, description="Erlang C before any call ends")
    max_metric_rows: int = Field(
        default=20_000, gt=0, description="rows (buckets × split values) one /v1/metrics answers"
    )
    max_export_rows: int = Field(
        default=100_000, gt=0, description="rows one /v1/calls or /v1/tickets export writes"
    )
    metrics_allow: str = Field(
        default="127.0.0.1/32,::1/128",
        description="networks (CIDR, comma-separated) that may scrape /metrics without a key",
    )
    metrics_dir: Path | None = Field(
        default=None, description="figures shared by serve workers and `worker`; data_dir/metrics"
    )

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for network in value.split(","):
            if network.strip():
                try:
                    ip_network(network.strip())
                except ValueError as exc:
                    raise ValueError(f"not a network in CIDR form, e.g. 10.0.0.0/8: {exc}") from exc
        return value

    @property
    def metrics_allow_networks(self) -> list[str]:
        """Return the networks allowed to scrape /metrics without a key."""
        return [network.strip() for network in self.metrics_allow.split(",") if network.strip()]

    @property
    def resolved_metrics_dir(self) -> Path:
        """Return the metrics directory, `data_dir/metrics` by default."""
        return (self.metrics_dir or self.resolved_data_dir / "metrics").expanduser()

    login_concurrency: int = Field(default=2, gt=0, description="password checks at once")
    login_max_failures_per_user: int = Field(default=5, gt=0)
    login_max_failures_per_address: int = Field(default=20, gt=0)
    login_failure_window_s: int = Field(default=900, gt=0, description="failures count this long")
    cookie_secure: Literal["auto", "true", "false"] = Field(
        default="auto", description="mark cookies Secure: auto = when the request came over HTTPS"
    )
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses or networks whose X-Forwarded-Proto/-For count",
    )

    @property
    def resolved_data_dir(self) -> Path:
        """Return the data directory with `~` expanded."""
        return self.data_dir.expanduser()


@lru_cache
def get_settings() -> Settings:
    """Return the settings of this process (cached; tests build their own)."""
    return Settings()
