"""A PostgreSQL server of the tests' own: a new cluster in a temporary folder, on a free port
of 127.0.0.1, stopped and removed at the end.

The server programs come from ``scripts/ensure-postgresql`` (Debian's ``postgresql`` package,
installed when missing; ``make test`` runs it first and exports ``LSTM_POSTGRES_BIN``).
PostgreSQL refuses to run as root, so as root the cluster is made and run by the unprivileged
user ``postgres`` (``runuser``), the one Debian's package creates. It trusts every connection
from 127.0.0.1 as its superuser ``lstm``: a throwaway server for tests, never a class's.
Like every process of a test run it carries the run's mark in its environment, so one left
running fails the run (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from driver.servers import ROOT, free_port

__all__ = ["PostgresServer", "server_programs"]

USER = "postgres"  # who runs the server when the tests run as root
SUPERUSER = "lstm"  # the cluster's superuser, whom the tests connect as


def server_programs(timeout: float = 900) -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``$LSTM_POSTGRES_BIN``, else what
    ``scripts/ensure-postgresql`` finds or installs; ``None`` if there is none."""
    found = os.environ.get("LSTM_POSTGRES_BIN")
    if not found:
        found = subprocess.run(["bash", str(ROOT / "scripts" / "ensure-postgresql")],
                               capture_output=True, text=True, timeout=timeout,
                               check=True).stdout.strip()
    return Path(found) if found and (Path(found) / "initdb").exists() else None


class PostgresServer:
    """A cluster made by ``start()`` and gone after ``stop()``.

    Parameters
    ----------
    programs : Path
        The folder of ``initdb``, ``pg_ctl`` and ``createdb``.
    """

    def __init__(self, programs: Path):
        self.programs = programs
        self.port = 0
        self.folder: Path | None = None
        self._as_user = ["runuser", "-u", USER, "--"] if os.geteuid() == 0 else []

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, program: str, *args: str, timeout: float = 120) -> str:
        out = subprocess.run([*self._as_user, str(self.programs / program), *args],
                             cwd=self.folder, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{program} failed ({out.returncode}):\n{out.stdout}\n"
                               f"{out.stderr}\n{self.log()}")
        return out.stdout

    def start(self, timeout: float = 120) -> PostgresServer:
        # under /tmp, not pytest's tmp_path: the server's user must reach its folder
        self.folder = Path(tempfile.mkdtemp(prefix="lstm-postgres-"))
        if self._as_user:
            shutil.chown(self.folder, USER, USER)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--no-locale", "--no-sync")
        self.port = free_port()
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.port}\n"
                       "listen_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.folder}'\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-w", "-t", str(round(timeout)), "start", timeout=timeout + 10)
        return self

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server, through psycopg 3."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database ``name`` (letters, digits and _); its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return self.url(name)

    def log(self) -> str:
        path = self.folder / "server.log" if self.folder else None
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
