"""What an operator must mend (a setting, the database) is one line on standard error, never a traceback."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from minibank import migrate

from ..support.production import SECRET
from ..support.servers import free_port

pytestmark = pytest.mark.slow
MINIBANK = [sys.executable, "-m", "minibank.cli"]
PASSWORD = "a long enough password 1"


def minibank(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    """Run `minibank ARGS` to its end with only ``env`` of the bank's settings."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("MINIBANK_")}
    return subprocess.run(
        [*MINIBANK, *args], env={**clean, **env}, input=stdin, capture_output=True, text=True, timeout=60
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    """The refusal's only line on standard error, once checked: non-zero exit, nothing on stdout, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


COMMANDS = {
    "stats": ["stats"],
    "deposit": ["deposit", "1234567889", "1.00"],
    "create-user": ["create-user", "erin@example.com", "--name", "Erin", "--password-stdin"],
    "verify-ledger": ["verify-ledger"],
    "serve": ["serve", "--port", "0"],
}
CLOSED_PORT = free_port()
UNREACHABLE = f"postgresql+psycopg://bank:hunter2-secret@127.0.0.1:{CLOSED_PORT}/bank"


# Each broken case: its settings ({tmp}: the test's folder) and what its one line must say.
CASES = {
    "bad url": ({"MINIBANK_DATABASE_URL": "not a url"}, "MINIBANK_DATABASE_URL is not a database URL"),
    "other engine": (
        {"MINIBANK_DATABASE_URL": "mysql://bank:hunter2-secret@db/bank"},
        "MINIBANK_DATABASE_URL: mysql:// is not",
    ),
    "unreachable": (
        {"MINIBANK_DATABASE_URL": UNREACHABLE},
        f"cannot use the database {UNREACHABLE.replace('hunter2-secret', '***')}: ",
    ),
    "unmigrated": (
        {"MINIBANK_DATABASE_URL": "sqlite:///{tmp}/empty.db"},
        "is not at the newest revision; run `minibank db upgrade`",
    ),
    "bad setting": ({"MINIBANK_WORKERS": "many"}, "MINIBANK_WORKERS must be a whole number from 1 to 64"),
    "production without a secret": ({"MINIBANK_ENV": "production"}, "MINIBANK_SECRET_KEY is required in production"),
}


def settings_for(case: str, tmp_path: Path) -> tuple[dict[str, str], str]:
    """A broken case's settings, in a folder of the test's own, and what its one line must say."""
    env, says = CASES[case]
    return {
        "MINIBANK_INSTANCE_PATH": str(tmp_path / "instance"),
        **{name: value.format(tmp=tmp_path) for name, value in env.items()},
    }, says


# Every case for the commands most used, and for serve; a few for the others.
PAIRS = [(case, command) for case in CASES for command in ("stats", "deposit", "serve")] + [
    (case, command)
    for case in ("unreachable", "unmigrated", "bad setting")
    for command in ("create-user", "verify-ledger")
]


@pytest.mark.parametrize(("case", "command"), PAIRS)
def test_a_broken_setting_or_database_is_one_line(tmp_path, case, command):
    env, says = settings_for(case, tmp_path)
    line = one_line(minibank(*COMMANDS[command], env=env, stdin=PASSWORD + "\n"))
    assert line.startswith("Error: ") and says in line, line
    assert "hunter2" not in line


@pytest.mark.parametrize("case", ["bad url", "unreachable", "bad setting"])
@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"]])
def test_db_commands_say_it_in_one_line_too(tmp_path, case, command):
    env, says = settings_for(case, tmp_path)
    line = one_line(minibank(*command, env=env))
    assert says in line and "hunter2" not in line, line


def test_help_needs_no_good_settings(tmp_path):
    result = minibank("--help", env={"MINIBANK_WORKERS": "many", "MINIBANK_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 0 and "deposit" in result.stdout and result.stderr == ""


def test_a_name_looked_up_in_the_app_says_a_bad_setting_in_one_line_too(tmp_path):
    bad = {"MINIBANK_WORKERS": "many", "MINIBANK_INSTANCE_PATH": str(tmp_path)}
    assert "MINIBANK_WORKERS must be" in one_line(minibank("no-such-command", env=bad))


def test_deposit_and_withdraw_print_their_result_and_log_on_stderr(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    env = {"MINIBANK_DATABASE_URL": url, "MINIBANK_INSTANCE_PATH": str(tmp_path / "instance")}
    minibank("create-user", "carol@example.com", "--name", "Carol", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    number = minibank("open-account", "carol@example.com", env=env).stdout.strip()
    for command, verb in (("deposit", "deposited"), ("withdraw", "withdrew")):
        result = minibank(command, number, "12.50", env=env)
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(rf"{verb} 12\.50 USD; transfer \d+; balance \d+\.\d\d USD\n", result.stdout), result.stdout
        event = "deposit.ok" if command == "deposit" else "withdrawal.ok"
        assert event in result.stderr, result.stderr


def test_production_serve_refuses_an_unreachable_database_before_it_starts_gunicorn(tmp_path):
    env = {
        "MINIBANK_ENV": "production",
        "MINIBANK_SECRET_KEY": SECRET,
        "MINIBANK_WORKERS": "1",
        "MINIBANK_DATABASE_URL": UNREACHABLE,
        "MINIBANK_INSTANCE_PATH": str(tmp_path),
    }
    line = one_line(minibank("serve", "--port", str(free_port()), env=env))
    assert "cannot use the database" in line and "hunter2" not in line
