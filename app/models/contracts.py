"""Contracts (DESIGN §10): a client and a vendor, the queues it covers, targets and billing."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class Contract(Base):
    """A contract in force from `valid_from` to `valid_to` (both inclusive, client's days).

    `targets` and `billing` hold the YAML's sections as validated (`ContractSpec`), money as
    decimal strings, so an SLA report rebuilds the exact spec that was applied. Targets are a
    list of `{"kpi": key, min, max, weight, penalty}` in the YAML's order (JSONB objects do
    not keep the order of their keys, and the compliance table follows it).
    """

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("valid_to >= valid_from", name="valid_dates"),
        Index("ix_contracts_client_valid", "client_id", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    targets: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb"), doc="[{kpi, min, max, weight, penalty}]"
    )
    billing: Mapped[dict[str, Any]] = mapped_column(JSONB, doc="model, unit_price, bands, …")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class ContractQueue(Base):
    """A queue a contract covers; the queue is the client's and served by the vendor."""

    __tablename__ = "contract_queues"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True, index=True)
