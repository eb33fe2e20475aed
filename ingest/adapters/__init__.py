"""Feed adapters (DESIGN §13): one module per source format, found here by format name."""

import importlib
from functools import cache

from ingest.adapters.base import Adapter

MODULES = {
    "asterisk-queue-log": "ingest.adapters.asterisk_queue_log",
    "freeswitch-callcenter": "ingest.adapters.freeswitch_callcenter",
    "connect-ctr": "ingest.adapters.connect_ctr",
    "connect-agent-events": "ingest.adapters.connect_agent_events",
    "genesys-conversations": "ingest.adapters.genesys_conversations",
    "twilio-taskrouter": "ingest.adapters.twilio_taskrouter",
    "csv": "ingest.adapters.csv_export",
}
FORMATS = tuple(MODULES)


@cache
def adapter(format_name: str) -> Adapter:
    """Return the adapter of a format (each module exposes `ADAPTER`)."""
    module = importlib.import_module(MODULES[format_name])
    found: Adapter = module.ADAPTER
    return found
