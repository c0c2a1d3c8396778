"""The bank test script (scripts/bank_test.py), run from the scale tests in a process group of its own."""

import os
import random
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bank_test.py"
RUNNING = "bank test: running"  # the script's line when its clients start
DURATION = 8


class BankRun:
    """One run of the script: its output as it comes, and when the load has started."""

    def __init__(self, bases: list[str], env: dict[str, str], *, duration: float = DURATION):
        # MINIBANK_BANK_SEED replays a failed run; the seed is in every failure message.
        self.seed = int(os.environ.get("MINIBANK_BANK_SEED") or random.randrange(2**31))
        command = [
            sys.executable,
            str(SCRIPT),
            "--database-url",
            env["MINIBANK_DATABASE_URL"],
            "--duration",
            str(duration),
            "--seed",
            str(self.seed),
        ]
        for base in bases:
            command += ["--base-url", base]
        self.process = subprocess.Popen(
            command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.lines: list[str] = []
        self.running = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith(RUNNING):
                self.running.set()

    def wait_running(self, timeout: float = 120) -> None:
        """Block until the clients have started (or fail, showing the output)."""
        if not self.running.wait(timeout):
            raise AssertionError(f"the bank test did not start (seed {self.seed}):\n{self.output}")

    def assert_passes(self, timeout: float = 180) -> None:
        """Wait for the verdict; fail, with the seed and the findings, unless the script passed."""
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        sys.stdout.write(self.output)  # shown by pytest with -s or on failure: counts and timings
        assert status == 0, f"bank test failed (seed {self.seed}):\n{self.output}"

    @property
    def output(self) -> str:
        """Everything the script printed so far."""
        return "".join(self.lines)


@contextmanager
def bank_run(bases: list[str], env: dict[str, str], **options):
    """Start the bank test; whatever happens, its client processes are gone afterwards."""
    run = BankRun(bases, env, **options)
    try:
        yield run
    finally:
        try:
            os.killpg(run.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        run.process.wait()
        run.process.stdout.close()


def assert_bank_test_passes(bases: list[str], env: dict[str, str], **options) -> None:
    """Run the bank test to the end and fail, with its seed and findings, unless it passes."""
    with bank_run(bases, env, **options) as run:
        run.assert_passes()
