"""One database for every entry point: bin/run, `minibank`, `flask --app minibank`, from any folder."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.servers import free_port, wait_until_up

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the project (bin/, pyproject.toml, src/minibank) beside the test venv, as a clone would be."""
    root = tmp_path_factory.mktemp("clone") / "minibank"
    root.mkdir()
    for name in ("pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "bin", root / "bin")
    shutil.copytree(ROOT / "src" / "minibank", root / "src" / "minibank", ignore=shutil.ignore_patterns("__pycache__"))
    # The venv of this run, taken as the clone's own: marked installed so that bin/run installs nothing.
    (root / ".venv" / "bin").mkdir(parents=True)
    for program in ("python", "minibank", "flask"):
        (root / ".venv" / "bin" / program).symlink_to(VENV_BIN / program)
    stamp = subprocess.run(
        "cat pyproject.toml requirements.lock | cksum", shell=True, cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()
    (root / ".venv" / ".minibank-installed").write_text(stamp)
    return root


def clean_env(checkout: Path, **extra) -> dict[str, str]:
    """The environment of a newcomer's shell: no MINIBANK_* or FLASK_* settings; the clone's package first."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINIBANK_", "FLASK_"))}
    return {**env, "PYTHONPATH": str(checkout / "src"), **extra}


def run(command: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a command to its end, its output as text."""
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def start_bin_run(checkout: Path) -> None:
    """bin/run until its server answers, then stopped: it has migrated and loaded the demo."""
    port = free_port()
    process = subprocess.Popen(
        [str(checkout / "bin" / "run")],
        cwd=checkout,
        env=clean_env(checkout, PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=60)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert "demo data loaded" in output, output


def programs(checkout: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each way a newcomer runs a command: by the venv's path, with the venv activated, and through flask."""
    activated = clean_env(
        checkout,
        PATH=f"{checkout / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        VIRTUAL_ENV=str(checkout / ".venv"),
    )
    return {
        "venv path": ([str(checkout / ".venv" / "bin" / "minibank")], clean_env(checkout)),
        "activated": (["minibank"], activated),
        "flask": (["flask", "--app", "minibank"], activated),
    }


def test_bin_run_the_cli_and_flask_share_the_database_at_the_root(checkout, tmp_path):
    start_bin_run(checkout)
    database = f"sqlite:///{checkout / 'instance' / 'minibank.db'}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for way, (program, env) in programs(checkout).items():
        for cwd in (checkout, elsewhere):
            current = run([*program, "db", "current"], cwd=cwd, env=env)
            assert current.returncode == 0, (way, cwd, current.stderr)
            assert current.stdout.startswith(f"{database} at revision ") and "(head)" in current.stdout, (way, cwd)
            stats = run([*program, "stats"], cwd=cwd, env=env)
            # The demo's five logins (two customers, three staff) and four businesses.
            assert stats.stdout.splitlines()[0] == "users 9", (way, cwd, stats.stdout, stats.stderr)
    assert not (checkout / "src" / "instance").exists()
    assert not (elsewhere / "instance").exists()


def test_db_upgrade_names_the_database_it_migrated(checkout, tmp_path):
    env = clean_env(checkout, MINIBANK_INSTANCE_PATH=str(tmp_path / "mine"))
    upgraded = run([str(checkout / ".venv" / "bin" / "minibank"), "db", "upgrade"], cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith(f"database sqlite:///{tmp_path / 'mine' / 'minibank.db'} at revision ")


def test_production_db_upgrade_makes_the_missing_folder_then_the_first_teller(checkout, tmp_path):
    from ..support.production import SECRET

    instance = tmp_path / "srv" / "minibank"
    env = clean_env(
        checkout,
        MINIBANK_ENV="production",
        MINIBANK_SECRET_KEY=SECRET,
        MINIBANK_WORKERS="1",
        MINIBANK_INSTANCE_PATH=str(instance),
    )
    minibank = str(checkout / ".venv" / "bin" / "minibank")
    upgraded = run([minibank, "db", "upgrade"], cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith(f"database sqlite:///{instance / 'minibank.db'} at revision ")
    assert instance.stat().st_mode & 0o777 == 0o700
    created = subprocess.run(
        [minibank, "create-user", "terry@example.com", "--name", "Terry", "--teller", "--password-stdin"],
        cwd=tmp_path,
        env=env,
        input="a long enough password 1\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.stdout == "created user 1 <terry@example.com> role=teller\n", created.stderr
    assert run([minibank, "stats"], cwd=tmp_path, env=env).stdout.splitlines()[0] == "users 1"
