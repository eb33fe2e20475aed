"""Who sent a batch that a vendor key or a client key may send, and the queues it may name.

QA evaluations and forecasts come from either side of the contract: a vendor (for the queues
it serves) or the client (for its own queues). Both resolve a record's queue the same way.
"""

from dataclasses import dataclass
from typing import Any

from psycopg import Connection

from app.access.keys import Principal
from ingest import qa_repository, writer
from ingest.checks import RecordRejected


@dataclass(frozen=True)
class Sender:
    """Who sent the batch and the queues it may name: `{code: (client_id, queue_id)}`."""

    vendor_id: int | None
    refusal: str  # why a known queue is not the sender's: `is not served by vendor 'v'`
    queues: dict[str, tuple[int, int]]

    def client_of(self, value: Any) -> int | None:
        """Return the client a refused record is counted under: that of the queue it names,
        else the sender's only client (a client key's own), else none."""
        named = value.get("queue") if isinstance(value, dict) else None
        if isinstance(named, str) and named in self.queues:
            return self.queues[named][0]
        clients = {client_id for client_id, _ in self.queues.values()}
        return clients.pop() if len(clients) == 1 else None

    def queue(self, pg: Connection, code: str) -> tuple[int, int]:
        """Return `(client_id, queue_id)` of a queue the sender may name, else a named error."""
        if code in self.queues:
            return self.queues[code]
        if writer.existing_queue_codes(pg, [code]):
            raise RecordRejected(f"queue: {code!r} {self.refusal}")
        raise RecordRejected(f"queue: unknown queue {code!r}")


def sender_of(pg: Connection, principal: Principal) -> Sender:
    """Return the sender: a vendor with the queues it serves, or a client with its queues."""
    if principal.kind == "vendor" and principal.vendor_id is not None:
        code, queues = writer.served_queues(pg, principal.vendor_id)
        return Sender(principal.vendor_id, f"is not served by vendor {code!r}", queues)
    assert principal.client_id is not None  # the routes admit vendor and client keys only
    code, queues = qa_repository.client_queues(pg, principal.client_id)
    return Sender(None, f"is not a queue of client {code!r}", queues)
