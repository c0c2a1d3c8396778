"""Throwaway PostgreSQL clusters of the test's own, which it may crash, back up and restore."""

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .servers import free_port
from .services import require


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent  # the real folder, with every server program beside initdb
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def as_postgres(command: list[str]) -> list[str]:
    """The command as the postgres user when run as root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def give_to_postgres(path: Path) -> None:
    """Let the postgres user own ``path`` (when run as root)."""
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)


class Cluster:
    """One local cluster in ``data`` on a free port; ``crash`` stops it as a power cut would (``-m immediate``)."""

    def __init__(self, bin_dir: Path, data: Path, family: list | None = None):
        self.bin_dir, self.data, self.port = bin_dir, data, free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.family = family if family is not None else []  # every cluster made from this one, stopped at the end
        self.family.append(self)

    def sibling(self, data: Path) -> "Cluster":
        """Another cluster on the data folder ``data`` (a restored backup), on a port of its own."""
        return Cluster(self.bin_dir, data, self.family)

    def run(self, tool: str, *args: str) -> None:
        """One of the server's programs (initdb, pg_ctl, pg_basebackup...), as the postgres user."""
        command = as_postgres([str(self.bin_dir / tool), *args])
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def configure(self, **settings: str) -> None:
        """Append settings to postgresql.conf (they apply at the next start)."""
        with open(self.data / "postgresql.conf", "a") as conf:
            for name, value in settings.items():
                conf.write(f"{name} = '{value}'\n")

    def start(self) -> None:
        """Start the server and wait until it takes connections (recovery included)."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent}"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data.parent / f"log-{self.port}"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def crash(self) -> None:
        """Every backend killed at once, nothing flushed that was not already: as a crash leaves it."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def stop(self) -> None:
        """A clean stop, ignoring a server already down."""
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass


@contextmanager
def throwaway_cluster(**settings: str):
    """A fresh, started cluster (trust auth, user postgres) with ``settings``; its folder is removed afterwards.

    ``cluster.data.parent`` is a folder the postgres user owns, for backups and WAL archives.
    """
    bin_dir = _bin_dir()
    if bin_dir is None:
        require("PostgreSQL server binaries", "initdb and pg_ctl are needed to run a cluster of the test's own")
    home = Path(tempfile.mkdtemp(prefix="minibank-pg-"))
    give_to_postgres(home)
    cluster = Cluster(bin_dir, home / "db")
    cluster.run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "--no-sync")
    cluster.configure(**settings)
    cluster.start()
    try:
        yield cluster
    finally:
        for each in cluster.family:
            each.stop()
        shutil.rmtree(home, ignore_errors=True)
