"""A real PostgreSQL server for the tests (production's store): Debian's ``postgresql`` package,
a throwaway cluster in a temporary folder on a free port, one fresh database per test that asks.

``scripts/dev test`` installs the package. When the tests run as root the cluster runs as the
``postgres`` account the package made (the server refuses to run as root)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


class ServerMissing(RuntimeError):
    """No PostgreSQL server programs on this machine."""


def bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if not found:
        raise ServerMissing("PostgreSQL server not installed (apt-get install postgresql; scripts/dev test does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    folder: Path
    port: int
    run_as: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://tt@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=tt dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://tt@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(bin_dir() / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Server:
    """initdb and start a cluster (trust authentication on 127.0.0.1 only, no fsync: it is thrown away)."""
    programs = bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="tt-pg-"))  # not under pytest's folder: that one is private to root
    run_as: list[str] = []
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"
    subprocess.run([*run_as, str(programs / "initdb"), "-D", str(data), "-U", "tt", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8"], capture_output=True, check=True)
    for _ in range(3):  # pytest-xdist's workers each start a server: one may take the port another just found free
        port = _free_port()
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   f"-c full_page_writes=off -c max_connections=200")
        started = subprocess.run([*run_as, str(programs / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60",
                                  "start"], capture_output=True, text=True, check=False)
        if started.returncode == 0:
            return Server(folder, port, run_as)
    detail = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
    shutil.rmtree(folder, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL did not start: {detail}")
