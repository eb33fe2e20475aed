"""Apply the `contracts:` section: upsert contracts by code and link their queues (idempotent).

A contract's client, vendor and queues must exist; every queue must be the client's and be
served by the vendor, so the numbers it is judged on are ones the vendor produced.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.audit.service import Actor
from app.contracts import repository
from app.contracts.config import ContractSpec, measure_problems
from app.core.errors import ConfigError
from app.models import Client, Contract, Queue, Vendor


def apply_contracts(
    session: Session,
    entries: Sequence[ContractSpec],
    clients: dict[str, Client],
    vendors: dict[str, Vendor],
    counts: Counter[str],
    actor: Actor,
) -> None:
    """Create or update every contract of `entries`; errors name `contracts[i] (code).field`.

    Each contract created or changed (terms or queues) is recorded in the audit log, as
    `actor`, with its terms before and after.
    """
    contracts = repository.contracts_by_code(session)
    queues = repository.queues_by_code(session)
    served = repository.served_pairs(session)
    codes = {
        "clients": {c.id: code for code, c in clients.items()},
        "vendors": {v.id: code for code, v in vendors.items()},
        "queues": {q.id: code for code, q in queues.items()},
    }
    seen: set[str] = set()
    units = repository.measure_units(session)
    for i, entry in enumerate(entries):
        where = f"contracts[{i}] ({entry.code})"
        if entry.code in seen:
            raise ConfigError(f"{where}.code: appears twice in the file")
        seen.add(entry.code)
        problems = measure_problems(entry.targets, units)
        if problems:
            raise ConfigError(f"{where}.targets: " + "; ".join(problems))
        client, vendor = _parties(entry, where, clients, vendors)
        queue_ids = _queue_ids(entry, where, client, vendor, queues, served)
        contract = contracts.get(entry.code)
        before = None if contract is None else _terms(contract, session, codes)
        if contract is not None and contract.client_id != client.id:
            raise ConfigError(
                f"{where}.client: the contract belongs to another client; a contract cannot"
                " move between clients (use a new contract code)"
            )
        wanted = {
            "client_id": client.id,
            "vendor_id": vendor.id,
            "valid_from": entry.valid_from,
            "valid_to": entry.valid_to,
            "targets": [
                {"kpi": key} | target.model_dump(mode="json", exclude_none=True)
                for key, target in entry.targets.items()
            ],
            "billing": entry.billing.model_dump(mode="json", exclude_none=True),
        }
        if contract is None:
            contract = contracts[entry.code] = Contract(code=entry.code, **wanted)
            session.add(contract)
            counts["contracts created"] += 1
        elif any(getattr(contract, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(contract, name, value)
            contract.updated_at = datetime.now(UTC)
            counts["contracts updated"] += 1
        session.flush()
        _link_queues(session, contract, queue_ids, counts)
        after = _terms(contract, session, codes)
        if after != before:
            audit.record(
                session,
                actor,
                "contract.created" if before is None else "contract.updated",
                f"contract {contract.code}",
                client_id=contract.client_id,
                vendor_id=contract.vendor_id,
                contract_id=contract.id,
                before=before,
                after=after,
            )


def _terms(
    contract: Contract, session: Session, codes: dict[str, dict[int, str]]
) -> dict[str, Any]:
    """Return a contract's terms as the audit log keeps them: parties and queues by code."""
    queue_ids = repository.contract_queue_ids(session, contract.id)
    return {
        "client": codes["clients"][contract.client_id],
        "vendor": codes["vendors"][contract.vendor_id],
        "valid_from": contract.valid_from.isoformat(),
        "valid_to": contract.valid_to.isoformat(),
        "queues": sorted(codes["queues"][queue_id] for queue_id in queue_ids),
        "targets": contract.targets,
        "billing": contract.billing,
    }


def _parties(
    entry: ContractSpec, where: str, clients: dict[str, Client], vendors: dict[str, Vendor]
) -> tuple[Client, Vendor]:
    client = clients.get(entry.client)
    if client is None:
        raise ConfigError(f"{where}.client: unknown client {entry.client!r}; add it under clients")
    vendor = vendors.get(entry.vendor)
    if vendor is None:
        raise ConfigError(f"{where}.vendor: unknown vendor {entry.vendor!r}; add it under vendors")
    return client, vendor


def _queue_ids(
    entry: ContractSpec,
    where: str,
    client: Client,
    vendor: Vendor,
    queues: dict[str, Queue],
    served: set[tuple[int, int]],
) -> set[int]:
    """Return the ids of the contract's queues, after checking each is fit to be judged on."""
    unknown = [code for code in entry.queues if code not in queues]
    if unknown:
        raise ConfigError(f"{where}.queues: unknown queue(s) {', '.join(unknown)}")
    foreign = [code for code in entry.queues if queues[code].client_id != client.id]
    if foreign:
        raise ConfigError(
            f"{where}.queues: {', '.join(foreign)} belong(s) to another client, not {client.code}"
        )
    unserved = [code for code in entry.queues if (queues[code].id, vendor.id) not in served]
    if unserved:
        raise ConfigError(
            f"{where}.queues: vendor {vendor.code} does not serve {', '.join(unserved)}"
            " (add it to the queue's vendors)"
        )
    return {queues[code].id for code in entry.queues}


def _link_queues(
    session: Session, contract: Contract, queue_ids: set[int], counts: Counter[str]
) -> None:
    current = repository.contract_queue_ids(session, contract.id)
    added, gone = queue_ids - current, current - queue_ids
    repository.link_queues(session, contract, sorted(added), sorted(gone))
    if added:
        counts["contract queues added"] += len(added)
    if gone:
        counts["contract queues removed"] += len(gone)
