"""All SQL of period close: each side's close of a contract's period and the frozen report.

A close or reopen first locks the contract's row, so two parties closing at once serialise
and the second sees the first's close.
"""

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import ClosedReport, Contract, PeriodClose


def contract_by_code(session: Session, code: str, *, lock: bool = False) -> Contract | None:
    """Return a contract by code; with `lock`, lock its row until the transaction ends."""
    query = select(Contract).where(Contract.code == code)
    return session.scalar(query.with_for_update() if lock else query)


def closes(session: Session, contract_id: int, period: str) -> list[PeriodClose]:
    """Return the sides' closes of a contract's period, oldest first."""
    query = (
        select(PeriodClose)
        .where(PeriodClose.contract_id == contract_id, PeriodClose.period == period)
        .order_by(PeriodClose.at, PeriodClose.id)
    )
    return list(session.scalars(query))


def add_close(session: Session, close: PeriodClose) -> None:
    """Store one side's close."""
    session.add(close)
    session.flush()


def closed_report(session: Session, contract_id: int, period: str) -> ClosedReport | None:
    """Return the frozen report of a contract's period, if it is closed."""
    query = select(ClosedReport).where(
        ClosedReport.contract_id == contract_id, ClosedReport.period == period
    )
    return session.scalar(query)


def add_closed_report(session: Session, frozen: ClosedReport) -> None:
    """Store a frozen report."""
    session.add(frozen)
    session.flush()


def note_restatement(session: Session, frozen: ClosedReport, restatement: list[Any]) -> bool:
    """Keep `restatement` as the last one recorded; return False if another reader just did.

    The row is locked and read again, so two readers seeing the same change record it once.
    """
    session.refresh(frozen, with_for_update=True)
    if frozen.restatement == restatement:
        return False
    frozen.restatement = restatement
    session.flush()
    return True


def reopen(session: Session, contract_id: int, period: str) -> None:
    """Delete a period's closes and its frozen report."""
    for model in (PeriodClose, ClosedReport):
        session.execute(
            delete(model).where(model.contract_id == contract_id, model.period == period)
        )
