"""Embedded PostgreSQL for machines without a server (pgserver, from PyPI).

The cluster lives in `<data_dir>/pgdata`, is reused across runs, and listens on a
Unix socket only; pgserver stops it when the last process using it exits.
"""

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded cluster in `data_dir` and return its libpq URL."""
    pgdata = data_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _servers.append(server)  # keep a handle: pgserver stops the cluster when none is left
    log.info("embedded PostgreSQL running in %s", pgdata)
    return server.get_uri()


_servers: list[object] = []
