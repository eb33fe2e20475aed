"""The audit log: every settlement step, contract change and alert acknowledgement."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class AuditEntry(Base):
    """One step: who, in which role, did what to what, and the subject before and after.

    `client_id` and `vendor_id` are the parties the step concerns; they decide who may read
    it (a client its own, a vendor its own, an admin all). Entries are only ever added.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_client_id_id", "client_id", "id"),
        Index("ix_audit_entries_vendor_id_id", "vendor_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = created_at_column()
    actor: Mapped[str] = mapped_column(String(200), doc="the user, the key's label, or the CLI")
    role: Mapped[str] = mapped_column(String(16), doc="admin, supervisor, client, vendor, operator")
    action: Mapped[str] = mapped_column(String(64), doc="e.g. alert.acknowledged, contract.updated")
    subject: Mapped[str] = mapped_column(String(300), doc="what was acted on, in words")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
