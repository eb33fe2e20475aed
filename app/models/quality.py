"""Feed-quality counters: what each vendor's feed delivered per client, local day and kind."""

from datetime import date

from sqlalchemy import BigInteger, Identity, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class FeedQualityCount(Base):
    """One counter of a feed's day (`app.quality.measures` names them).

    Added to by each ingest batch in its own transaction with `INSERT … ON CONFLICT DO
    UPDATE`, so concurrent batches never lose a count. `day` is the client's local day of
    receipt; a record whose client is unknown (it named no queue the vendor serves, and the
    vendor serves several clients) counts under no client, on its UTC day.
    """

    __tablename__ = "feed_quality_counts"
    __table_args__ = (
        UniqueConstraint(
            "client_id", "vendor_id", "day", "kind", "measure", postgresql_nulls_not_distinct=True
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    client_id: Mapped[int | None]
    vendor_id: Mapped[int]
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    measure: Mapped[str] = mapped_column(String(80))
    n: Mapped[int] = mapped_column(BigInteger)
