"""Real app servers in child processes, for tests that cross process boundaries."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, nullcontext
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not come up")
        time.sleep(0.1)


@contextmanager
def app_server(env: dict[str, str], *, args: tuple[str, ...] = (), log: Path | None = None):
    """Run `minibank serve` with ``env`` on a free port; yields its base URL and stops it after."""
    port = free_port()
    full_env = {**os.environ, **env}
    command = [sys.executable, "-m", "minibank.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    base = f"http://127.0.0.1:{port}"
    with open(log, "ab") if log else nullcontext(subprocess.DEVNULL) as output:
        process = subprocess.Popen(
            command, env=full_env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_up(f"{base}/healthz")
            yield base
        finally:
            stop_process(process)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 seconds; reaped either way."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def post_wrong_password(base: str, email: str) -> int:
    """The status of a token request for ``email`` with a wrong password (401, or 429 when limited)."""
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"email": email, "password": "wrong password!!"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
