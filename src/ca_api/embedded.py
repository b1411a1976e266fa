"""The embedded default database: where no DATABASE_URL is configured, a private PostgreSQL.

``pgserver`` (PyPI) bundles PostgreSQL 16 binaries and starts a server under a data folder that
listens on a Unix socket only; the server outlives this process and is reused on the next start.
As root it runs the server as a system user ``pgserver`` that it creates.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ca_api.config import Settings

log = logging.getLogger(__name__)


def embedded_url(data_dir: Path) -> str:
    from pgserver.postgres_server import get_server

    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # The server runs as another user when we are root: it must be able to reach the folder.
    for parent in [pgdata.parent, *pgdata.parent.parents]:
        if parent == Path("/"):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            log.warning("embedded postgres: %s is not world-searchable", parent)
    # cleanup_mode=None: the server keeps running after we exit, and the next start reuses it.
    get_server(pgdata, cleanup_mode=None)
    return f"postgresql://postgres@/postgres?host={pgdata}"


def resolve_database_url(settings: Settings) -> str:
    """The configured DATABASE_URL, or the embedded server's, started if need be."""
    if settings.database_url:
        return settings.database_url
    url = embedded_url(settings.data_dir)
    log.info(
        "no DATABASE_URL configured: using the embedded PostgreSQL under %s", settings.data_dir
    )
    return url
