"""The ceilings the bank is measured against: pgbench TPC-B and a raw SQLite transfer loop."""

import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

from sqlalchemy.engine import make_url


def _libpq_args(url: str) -> list[str]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    return args


def _libpq_env(url: str) -> dict[str, str]:
    """The environment for pgbench, createdb and dropdb: the URL's password, if any, where libpq looks."""
    password = make_url(url).password
    return {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)


def pgbench_init(admin_url: str, database: str, scale: int) -> None:
    """Create ``database`` afresh and load TPC-B tables at ``scale``."""
    args, env = _libpq_args(admin_url), _libpq_env(admin_url)
    subprocess.run(["dropdb", *args, "--if-exists", "--force", database], check=True, capture_output=True, env=env)
    subprocess.run(["createdb", *args, database], check=True, capture_output=True, env=env)
    subprocess.run(["pgbench", *args, "-i", "-s", str(scale), "-q", database], check=True, capture_output=True, env=env)


def pgbench_tps(admin_url: str, database: str, *, clients: int, seconds: float, simple_update: bool) -> float:
    """TPC-B-like transactions per second at ``clients`` (``-N``: skip the branch and teller updates)."""
    command = [
        "pgbench",
        *_libpq_args(admin_url),
        "-c",
        str(clients),
        "-j",
        str(min(2, clients)),
        "-T",
        str(max(1, round(seconds))),
    ]
    if simple_update:
        command.append("-N")
    output = subprocess.run(
        [*command, database], check=True, capture_output=True, text=True, env=_libpq_env(admin_url)
    ).stdout
    return float(re.search(r"tps = ([0-9.]+)", output).group(1))


def sqlite_loop_tps(path: Path, *, seconds: float, accounts: int = 100) -> float:
    """One process, the bare transfer: BEGIN IMMEDIATE, balance check, two updates, one insert, commit.

    WAL and synchronous=FULL, as the bank runs SQLite.
    """
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))")
    conn.execute("CREATE TABLE transfers (id INTEGER PRIMARY KEY, source INTEGER, destination INTEGER, amount INTEGER)")
    conn.executemany("INSERT INTO accounts VALUES (?, ?)", [(i, 10**12) for i in range(accounts)])
    done, deadline, i = 0, time.perf_counter() + seconds, 0
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        source, destination = i % accounts, (i + 1) % accounts
        conn.execute("BEGIN IMMEDIATE")
        (balance,) = conn.execute("SELECT balance FROM accounts WHERE id = ?", (source,)).fetchone()
        if balance >= 1:
            conn.execute("UPDATE accounts SET balance = balance - 1 WHERE id = ?", (source,))
            conn.execute("UPDATE accounts SET balance = balance + 1 WHERE id = ?", (destination,))
            conn.execute("INSERT INTO transfers (source, destination, amount) VALUES (?, ?, 1)", (source, destination))
        conn.execute("COMMIT")
        done, i = done + 1, i + 1
    elapsed = time.perf_counter() - started
    conn.close()
    return done / elapsed
