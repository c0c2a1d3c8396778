"""bin/bench: help and bad options before anything is installed; the PostgreSQL server is an option."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.options import DEFAULT_POSTGRES_URL, parse

ROOT = Path(__file__).resolve().parents[2]


def test_the_postgres_url_comes_from_the_option_then_the_environment_then_the_default():
    assert parse([], environ={}).postgres_url == DEFAULT_POSTGRES_URL
    elsewhere = "postgresql+psycopg://bench@db.internal:6432/postgres"
    assert parse([], environ={"MINIBANK_BENCH_POSTGRES_URL": elsewhere}).postgres_url == elsewhere
    chosen = ["--postgres-url", "postgresql+psycopg://me@127.0.0.1:5433/postgres"]
    assert parse(chosen, environ={"MINIBANK_BENCH_POSTGRES_URL": elsewhere}).postgres_url.endswith(":5433/postgres")


@pytest.fixture
def clone(tmp_path):
    """bin/ and bench/ of the project with no venv, and an apt-get that only notes that it ran."""
    root = tmp_path / "minibank"
    shutil.copytree(ROOT / "bin", root / "bin")
    shutil.copytree(ROOT / "bench", root / "bench", ignore=shutil.ignore_patterns("__pycache__", "results"))
    for name in ("pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, root / name)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "apt-get").write_text(f"#!/bin/sh\ntouch {tmp_path / 'apt-get-ran'}\n")
    (stubs / "apt-get").chmod(0o755)
    return root


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (["--help"], 0, "--postgres-url"),
        (["--smoke", "-h"], 0, "MINIBANK_BENCH_POSTGRES_URL"),
        (["--no-such-option"], 2, "unrecognized arguments"),
    ],
)
def test_help_and_bad_options_install_nothing(clone, tmp_path, args, status, says):
    env = {**os.environ, "PATH": f"{tmp_path / 'stubs'}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([str(clone / "bin" / "bench"), *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == status, result.stderr
    assert says in result.stdout + result.stderr
    assert not (clone / ".venv").exists() and not (tmp_path / "apt-get-ran").exists()


def test_a_batch_only_run_may_leave_out_the_single_transfers_and_the_history():
    options = parse(["--clients", "", "--history", "", "--batch-clients", "8"], environ={})
    assert (options.clients, options.history, options.batch_clients) == ([], [], [8])
