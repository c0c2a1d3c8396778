"""The bank test while an app server is killed with SIGKILL, master and workers at once, and restarted."""

import os
import signal
import time
from pathlib import Path

import pytest

from ..support.production import production_env, production_servers
from .bank import bank_run

pytestmark = pytest.mark.slow
KILLS = 3
APART = 2.0  # seconds between kills
UPTIME = 0.5  # at least this long up after a restart, so that requests are in flight at the next kill
DURATION = 10


def kill_and_restart(server, run) -> None:
    """Kill ``server`` KILLS times about APART seconds apart while the bank test runs, restarting it each time."""
    run.wait_running()
    started = next_kill = time.monotonic()
    for kill in range(KILLS):
        next_kill += APART
        time.sleep(max(next_kill - time.monotonic(), UPTIME))
        # Only a kill under load proves anything; the clients run for DURATION seconds.
        assert kill or run.process.poll() is None, f"the load ended before the first kill:\n{run.output}"
        killed = time.monotonic()
        server.kill()
        server.start()  # on the same port: the clients' retries find it there again
        server.wait_ready()
        print(f"kill {kill + 1} at {killed - started:.1f}s, back after {time.monotonic() - killed:.1f}s")


def test_postgresql_two_servers_one_killed(postgres_url, redis_url, tmp_path):
    env = production_env(postgres_url, tmp_path, redis_url=redis_url)
    with production_servers(env, tmp_path, count=2) as servers:
        with bank_run([server.base for server in servers], env, duration=DURATION) as run:
            kill_and_restart(servers[1], run)
            run.assert_passes()
    assert [server.process.returncode for server in servers] == [0, 0], servers[1].tail()


def test_sqlite_one_server_killed(sqlite_url, tmp_path):
    # SIGKILL can land inside a write transaction: the next connection's WAL recovery must
    # leave a consistent database, which the script's verify-ledger and verify-audit check.
    env = production_env(sqlite_url, tmp_path)
    with production_servers(env, tmp_path) as [server]:
        with bank_run([server.base], env, duration=DURATION) as run:
            kill_and_restart(server, run)
            run.assert_passes()
    assert server.process.returncode == 0, server.tail()


def test_sqlite_writer_process_killed(sqlite_url, tmp_path):
    # The workers (greenlets on SQLite) then write every move themselves, batched in-process:
    # moves in flight at the kill answer 503 and the clients' retries with their keys settle them.
    env = production_env(sqlite_url, tmp_path)
    with production_servers(env, tmp_path) as [server]:
        with bank_run([server.base], env, duration=DURATION) as run:
            run.wait_running()
            time.sleep(APART)
            writer = _writer_of(server.process.pid)
            os.kill(writer, signal.SIGKILL)
            run.assert_passes()
        assert "sqlite_writer.unavailable" in server.log.read_text()  # they did write themselves
    assert server.process.returncode == 0, server.tail()


def _writer_of(master: int) -> int:
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == master and b"minibank.ops.sqlite_writer" in command:
            return int(entry.name)
    raise AssertionError(f"no writer process under {master}")
