"""Production app servers (`minibank serve`: a gunicorn master and its workers) in process groups of their own."""

import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .servers import free_port
from .waiting import wait_until

SECRET = (
    "opKKspyvd0UV87aJgAcu5ytgl9z9BUtBv9XC7hBgrwTZvIKyWM87HxoK3lG01Cov"  # fixed, and as random as production demands
)


def production_env(
    database_url: str, tmp_path: Path, *, redis_url: str | None = None, **settings: str
) -> dict[str, str]:
    """The environment of a production server on ``database_url`` (and Redis, in a namespace of its own);
    rate limits off unless ``settings`` say otherwise."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINIBANK_", "PROMETHEUS_"))}
    env.update(
        MINIBANK_ENV="production",
        MINIBANK_SECRET_KEY=SECRET,
        MINIBANK_DATABASE_URL=database_url,
        MINIBANK_INSTANCE_PATH=str(tmp_path / "instance"),
        MINIBANK_RATELIMIT_ENABLED="false",
    )
    if redis_url:
        env.update(MINIBANK_REDIS_URL=redis_url, MINIBANK_REDIS_PREFIX=f"test-{uuid.uuid4().hex}")
    else:
        # Several workers without Redis count limits each on its own: production starts so only when told.
        env.update(MINIBANK_PER_PROCESS_LIMITS="true")
    env.update(settings)
    return env


class ProductionServer:
    """One `minibank serve` in production on a port of its own; it can be killed and started again there."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        workers: int | None = 2,
        threads: int | None = 4,
        metrics_dir: bool = True,
    ):
        """``workers`` or ``threads`` None: the bank's own defaults, as a newcomer gets them."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = dict(env)
        if metrics_dir:
            # A directory of its own, as the README asks (else `serve` restarts itself to make one).
            metrics = log.parent / f"metrics-{self.port}"
            metrics.mkdir(exist_ok=True)
            self.env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        self.command = [str(Path(sys.executable).parent / "minibank"), "serve", "--port", str(self.port)]
        if workers is not None:
            self.command += ["--workers", str(workers)]
        if threads is not None:
            self.command += ["--threads", str(threads)]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the master (which forks the workers) in a new session, so that one signal reaches all."""
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        """Wait until /readyz answers 200; fail with the log's tail if the server died."""

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}: {self.tail()}")
            with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as response:
                return response.status == 200

        wait_until(ready, f"{self.base} to be ready")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut or the OOM killer would."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM the master (a graceful stop) and wait for it; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop gracefully, then make sure nothing of the group is left."""
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self.terminate()
        finally:
            self._signal_group(signal.SIGKILL)
            self.process.wait()

    def tail(self, size: int = 3000) -> str:
        """The end of the server's log."""
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass  # the whole group has exited already


@contextmanager
def production_servers(env: dict[str, str], tmp_path: Path, count: int = 1, **sizes):
    """``count`` production servers sharing ``env``, started together and ready; stopped and reaped after."""
    servers = [ProductionServer(env, tmp_path / f"server-{i}.log", **sizes) for i in range(count)]
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            server.start()
        for server in servers:
            server.wait_ready()
        yield servers
