"""A throwaway PostgreSQL + PostGIS cluster for tests and benchmarks.

``start_cluster`` runs Debian's ``initdb`` and ``pg_ctl`` in a temporary folder on a
free port (as an unprivileged user when run as root: PostgreSQL refuses to run as
root), and ``stop`` removes it again. Nothing touches the system's own clusters.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

# Debian's layout: /usr/lib/postgresql/<major>/bin; the newest is used.
BIN_GLOB = "/usr/lib/postgresql/*/bin"
POSTGIS_CONTROL = "/usr/share/postgresql/{major}/extension/postgis.control"
RUN_AS = "nobody"  # when we are root


@dataclasses.dataclass(frozen=True)
class Cluster:
    root: Path
    port: int
    bindir: Path
    user: str

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        _run([str(self.bindir / "pg_ctl"), "stop", "-D", str(self.root / "data"),
              "-m", "immediate", "-w"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def find_bindir() -> tuple[Path | None, str]:
    """Return the bin folder of the newest PostgreSQL with PostGIS, or None and why not."""
    found = sorted(glob.glob(BIN_GLOB), key=lambda p: int(Path(p).parent.name)
                   if Path(p).parent.name.isdigit() else 0)
    if not found:
        return None, "PostgreSQL is not installed (make test installs postgresql-15-postgis-3)"
    for bindir in reversed(found):
        major = Path(bindir).parent.name
        if Path(POSTGIS_CONTROL.format(major=major)).exists():
            return Path(bindir), ""
    return None, "PostGIS is not installed (make test installs postgresql-15-postgis-3)"


def _run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", RUN_AS, "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(bindir: Path, settings: dict[str, str] | None = None) -> Cluster:
    """Create and start a cluster in a new temporary folder; trust auth on 127.0.0.1.

    ``settings`` are server settings (``{"shared_buffers": "1GB"}``) on top of ours."""
    root = Path(tempfile.mkdtemp(prefix="geo-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(RUN_AS)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    user = "geo"
    _run([str(bindir / "initdb"), "-D", str(root / "data"), "-U", user, "-A", "trust",
          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
    for _ in range(5):  # the port may be taken between choosing and binding it
        port = _free_port()
        # fsync off: the cluster is thrown away; the socket lives in the temp folder.
        options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
                   + "".join(f" -c {k}={v}" for k, v in (settings or {}).items()))
        started = _run([str(bindir / "pg_ctl"), "start", "-D", str(root / "data"), "-w",
                        "-l", str(root / "log"), "-o", options], check=False)
        if started.returncode == 0:
            return Cluster(root=root, port=port, bindir=bindir, user=user)
    log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"cannot start a PostgreSQL cluster: {started.stderr}{log[-2000:]}")


class Databases:
    """Empty migrated databases on a cluster: copies of one template, emptied and reused
    once a test is done with them (TRUNCATE is faster than a new database)."""

    TEMPLATE = "geo_template"
    TABLES = "articles, events, happenings, overrides, audit, schema_version"

    def __init__(self, cluster: Cluster) -> None:
        import psycopg

        from geo.store.pgsql import migrate

        self.cluster = cluster
        self._made = 0
        self._free: list[str] = []
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.TEMPLATE}")
        with psycopg.connect(cluster.url(self.TEMPLATE), autocommit=True) as conn:
            migrate(conn)
            self._versions = conn.execute("SELECT version, applied FROM schema_version").fetchall()

    def create(self) -> str:
        """Return the URL of an empty, migrated database."""
        import psycopg

        if self._free:
            return self._free.pop()
        self._made += 1
        name = f"geo_test_{os.getpid()}_{self._made}"
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        return self.cluster.url(name)

    def release(self, url: str) -> None:
        """Empty a database (as the template left it) for the next test."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {self.TABLES} RESTART IDENTITY")
            conn.execute("ALTER SEQUENCE store_revision RESTART")
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO schema_version (version, applied) VALUES (%s, %s)",
                                self._versions)
        self._free.append(url)
