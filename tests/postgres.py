"""A throw-away PostgreSQL cluster on a free loopback port, for the tests and the workers benchmark.

The multi-worker sweep tests need a real PostgreSQL server (Optuna's RDB storage, heartbeats, several
processes on one study), but no server is assumed to be running: this starts one from the server
binaries (Debian's `postgresql` package: /usr/lib/postgresql/<version>/bin) in a temporary folder
and removes it afterwards. PostgreSQL refuses to run as root, so under root every server command runs
as the `postgres` system user; the folder is then handed to that user. Trust authentication is safe
here only because the server listens on 127.0.0.1 and a socket in its own folder.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SERVER_GLOB = "/usr/lib/postgresql/*/bin/initdb"
SYSTEM_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_bin() -> Path:
    """The newest installed server's bin folder (where initdb and pg_ctl are)."""
    found = sorted(Path("/").glob(SERVER_GLOB.lstrip("/")), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise PostgresUnavailable(
            f"no PostgreSQL server binaries ({SERVER_GLOB}); install Debian's `postgresql` package "
            "(`apt-get install -y postgresql`, as .ci/run does)"
        )
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Cluster:
    """A running server: its folder, port and superuser (`postgres`, or the user who started it)."""

    folder: Path
    port: int
    user: str
    bin: Path

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (with PostgreSQL's own createdb) and return its Optuna storage URL."""
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name],
            check=True,
            capture_output=True,
            text=True,
        )
        return self.url(name)


def _as_server_user(command: list[str]) -> list[str]:
    """The command as it must be run: via `su postgres` under root, unchanged otherwise."""
    if os.geteuid() != 0:
        return command
    return ["su", SYSTEM_USER, "-c", shlex.join(command)]


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """initdb + pg_ctl start in a temporary folder on a free loopback port; stopped and removed on exit."""
    bin_dir = server_bin()
    folder = Path(tempfile.mkdtemp(prefix="harness-pg-"))
    root = os.geteuid() == 0
    if root:
        shutil.chown(folder, SYSTEM_USER, SYSTEM_USER)
    data, port = folder / "data", free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-E", "UTF8", "--no-sync"])
        options = f"-p {port} -h 127.0.0.1 -k {folder} -c fsync=off"
        log = str(folder / "server.log")
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start"])
        try:
            yield Cluster(folder, port, SYSTEM_USER if root else getpass.getuser(), bin_dir)
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
