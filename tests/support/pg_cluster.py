"""A throwaway PostgreSQL cluster of the test's own, which it may crash and start again."""

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
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


class Cluster:
    """One local cluster on a free port; ``crash`` stops it as a power cut would (``-m immediate``)."""

    def __init__(self, bin_dir: Path, data: Path, port: int):
        self.bin_dir, self.data, self.port = bin_dir, data, port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _pg(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self._pg("pg_ctl", "-D", str(self.data / "db"), "-l", str(self.data / "log"), "-o", options, "-w", "start")

    def crash(self) -> None:
        """Every backend killed at once, nothing flushed that was not already: as a crash leaves it."""
        self._pg("pg_ctl", "-D", str(self.data / "db"), "-m", "immediate", "stop")

    def stop(self) -> None:
        """A clean stop, ignoring a server already down."""
        try:
            self._pg("pg_ctl", "-D", str(self.data / "db"), "-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass


@contextmanager
def throwaway_cluster():
    """A fresh cluster (trust auth, user postgres), removed afterwards."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        require("PostgreSQL server binaries", "initdb and pg_ctl are needed to run a cluster of the test's own")
    data = Path(tempfile.mkdtemp(prefix="minibank-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(data, owner.pw_uid, owner.pw_gid)
    cluster = Cluster(bin_dir, data, free_port())
    cluster._pg("initdb", "-D", str(data / "db"), "-U", "postgres", "--auth=trust", "--no-sync")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(data, ignore_errors=True)
