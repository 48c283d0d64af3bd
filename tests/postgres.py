"""A throw-away PostgreSQL cluster on a free loopback port, for the tests and the workers benchmark.

The multi-worker sweep tests need a real PostgreSQL server (Optuna's RDB storage, heartbeats, several
processes on one study), but no server is assumed to be running: this starts one from the server
binaries (Debian's `postgresql` package: /usr/lib/postgresql/<version>/bin) in a temporary folder
and removes it afterwards. PostgreSQL refuses to run as root, so under root every server command runs
as the `postgres` system user; the folder is then handed to that user. Trust authentication is safe
here only because the server listens on 127.0.0.1 and a socket in its own folder.

CI starts the server before the tests and stops it after them (.ci/run), with this file as a script
(standard library only, so the system Python runs it before any virtualenv exists):

    python3 tests/postgres.py start      # prints the cluster's folder; its cluster.json says the rest
    python3 tests/postgres.py stop DIR   # stops the server and removes the folder

The tests use that server when `HARNESS_TEST_POSTGRES` names its folder, and otherwise start their own
for the session (tests/sweep/conftest.py).
"""

from __future__ import annotations

import getpass
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
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


#: Where `start` records a running cluster (in its folder), for `Cluster.read` and `stop`.
RECORD = "cluster.json"


def start() -> Cluster:
    """initdb + pg_ctl start in a new temporary folder on a free loopback port (recorded in the
    folder's cluster.json). PostgresUnavailable without server binaries."""
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
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    cluster = Cluster(folder, port, SYSTEM_USER if root else getpass.getuser(), bin_dir)
    (folder / RECORD).write_text(json.dumps({k: str(v) for k, v in asdict(cluster).items()}))
    return cluster


def read(folder: Path) -> Cluster:
    """The cluster `start` left running in `folder`; RuntimeError when its server does not answer."""
    record = json.loads((Path(folder) / RECORD).read_text())
    cluster = Cluster(Path(record["folder"]), int(record["port"]), record["user"], Path(record["bin"]))
    ready = subprocess.run(
        [str(cluster.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(cluster.port)], capture_output=True
    )
    if ready.returncode != 0:
        raise RuntimeError(f"the PostgreSQL server of {folder} does not answer on port {cluster.port}")
    return cluster


def stop(cluster: Cluster) -> None:
    """pg_ctl stop, then remove the cluster's folder."""
    try:
        _run([str(cluster.bin / "pg_ctl"), "-D", str(cluster.folder / "data"), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(cluster.folder, ignore_errors=True)


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """`start`, then `stop` on exit."""
    cluster = start()
    try:
        yield cluster
    finally:
        stop(cluster)


def main(argv: list[str]) -> int:
    if argv[:1] == ["start"] and len(argv) == 1:
        print(start().folder)
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        folder = Path(argv[1])
        record = json.loads((folder / RECORD).read_text())
        stop(Cluster(folder, int(record["port"]), record["user"], Path(record["bin"])))
        return 0
    print("usage: python3 tests/postgres.py start | stop FOLDER", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
