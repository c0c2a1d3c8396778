"""The README's API tour, pasted into a shell against a bank that bin/run started."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ..support.servers import free_port, stop_process, wait_until_up
from ..support.services import require

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCUMENTED_PORT = "127.0.0.1:5000"
# Every curl also writes its status to stderr, so the tour's own output stays as the reader sees it.
CURL_STATUS = "curl() { command curl --write-out '%{stderr}STATUS %{http_code}\\n' \"$@\"; }\n"

pytestmark = pytest.mark.slow


def tour_blocks() -> list[str]:
    """The shell blocks of the README's "API tour" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## API tour\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## API tour' section"
    return re.findall(r"^```sh\n(.*?)^```", section.group(1), re.MULTILINE | re.DOTALL)


def documented_statuses(block: str) -> list[int]:
    """Per curl in the block, the status its comment shows (`# HTTP/1.1 201 ...`), else 200."""
    statuses = []
    for line in block.splitlines():
        code = line.split("#", 1)[0]
        statuses.extend([200] * len(re.findall(r"\bcurl\b", code)))
        shown = re.match(r"\s*# HTTP/1\.1 (\d{3})", line)
        if shown and statuses:
            statuses[-1] = int(shown.group(1))
    return statuses


def documented_headers(block: str) -> list[str]:
    """The response headers the block's comments show, such as `Idempotent-Replayed: true`."""
    return re.findall(r"^\s*# ([A-Z][A-Za-z-]+: \S+)\s*$", block, re.MULTILINE)


@pytest.fixture(scope="module")
def demo_bank(tmp_path_factory):
    """bin/run on a free port, with its own instance folder: the demo bank a newcomer starts."""
    if not shutil.which("curl"):
        require("curl", "the README's tour uses curl; install it with: apt-get install -y curl")
    tmp_path = tmp_path_factory.mktemp("tour")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MINIBANK_")}
    instance = tmp_path / "instance"
    env.update(
        PORT=str(port),
        MINIBANK_INSTANCE_PATH=str(instance),
        # Spelled out, so that a developer's .env cannot point the tour at another database.
        MINIBANK_DATABASE_URL=f"sqlite:///{instance / 'minibank.db'}",
        MINIBANK_ENV="development",
    )
    log = tmp_path / "bin-run.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=120)
        except TimeoutError:
            pytest.fail(f"bin/run did not come up:\n{log.read_text(errors='replace')}")
        yield port, log
    finally:
        stop_process(process)


def test_the_tour_has_commands():
    """The section exists and its blocks call the API."""
    blocks = tour_blocks()
    assert blocks and sum(len(documented_statuses(block)) for block in blocks) >= 6


def test_bin_run_prints_the_demo_logins_and_account_numbers(demo_bank):
    """Beside each login, the demo accounts' numbers the tour and a first transfer need."""
    _port, log = demo_bank
    printed = log.read_text(errors="replace")
    for line in (
        "alice@example.com",
        "alice-demo-password",
        "4821093322",
        "4821093419",
        "bob@example.com",
        "5310720125",
        "teller@example.com",
        "teller-demo-password",
        "supervisor@example.com",
        "supervisor-demo-password",
        "auditor@example.com",
        "auditor-demo-password",
    ):
        assert line in printed


def paste_tour(port: int) -> subprocess.CompletedProcess:
    """The tour's blocks in one bash, in order, as a reader pastes them, with the port substituted."""
    script = "\n".join(tour_blocks()).replace(DOCUMENTED_PORT, f"127.0.0.1:{port}")
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", CURL_STATUS + script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"the tour failed:\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    return run


def answered_statuses(run: subprocess.CompletedProcess) -> list[int]:
    """The status of each curl the pasted tour ran, in order."""
    return [int(code) for code in re.findall(r"^STATUS (\d{3})$", run.stderr, re.MULTILINE)]


def accounts_answer(run: subprocess.CompletedProcess) -> str:
    """The tour's `GET /accounts` answer: the customer's accounts and balances."""
    return next(line for line in run.stdout.splitlines() if line.startswith('{"items":'))


def test_every_tour_command_succeeds_as_pasted(demo_bank):
    """Each curl answers its documented status and shows the headers documented for it; pasted
    again, the tour answers the same and moves no more money (its keys replay)."""
    port, _log = demo_bank
    blocks = tour_blocks()
    documented = [status for block in blocks for status in documented_statuses(block)]
    first = paste_tour(port)
    assert answered_statuses(first) == documented, first.stdout
    for header in (header for block in blocks for header in documented_headers(block)):
        assert header.lower() in first.stdout.lower(), f"{header!r} is not in the answers:\n{first.stdout}"
    second, third = paste_tour(port), paste_tour(port)
    assert answered_statuses(second) == answered_statuses(third) == documented
    assert accounts_answer(second) == accounts_answer(third)
    assert accounts_answer(second) != accounts_answer(first)
