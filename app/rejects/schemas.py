"""The answer of `GET /v1/rejected`, as `/docs` shows it (DESIGN §6: `rejected`, `next_cursor`)."""

from pydantic import BaseModel, Field


class RejectedRecord(BaseModel):
    """A record ingest refused, with why, as it was sent."""

    id: int
    received_at: str = Field(description="when it was refused, in `timezone` (RFC 3339)")
    timezone: str = Field(description="the client's timezone, or UTC when no client was found")
    vendor: str | None = Field(description="the vendor whose key sent it")
    client: str | None = Field(description="its client, when its queue was known")
    feed: str | None = Field(description="the feed it came through; null on the v1 routes")
    kind: str = Field(description="calls | call-events | agent-events | tickets | qa-evaluations")
    record_index: int = Field(
        description="position in its batch (from 0) on the v1 routes; the 1-based line or"
        " element of the source through a feed"
    )
    record_key: str | None = Field(description="its call_id, ticket_id or agent, if it had one")
    errors: list[str] = Field(description="`field: what is wrong` lines")
    payload: str = Field(description="the record as sent (cut past 16 KiB, with its size and hash)")


class RejectedPage(BaseModel):
    """One page of rejected records, newest first."""

    rejected: list[RejectedRecord]
    next_cursor: str | None = Field(
        description="send as `cursor` with the same filters for the next page; null on the last"
    )
