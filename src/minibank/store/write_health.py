"""Whether this process's last attempt to write money failed for a reason other than the move itself.

A full disk, a read-only database file or a broken writer make every move fail with
LedgerUnavailable; /readyz then takes the instance out of rotation until a move goes
through again (or a while has passed, so that a probe alone can bring it back).
"""

import time

# How long a failed write keeps /readyz failing when no move has succeeded since.
FAILING_FOR_SECONDS = 30.0

_last_failure: float | None = None


def failed() -> None:
    """A move could not be written."""
    global _last_failure  # noqa: PLW0603 - one fact per process, shared by its threads and greenlets
    _last_failure = time.monotonic()


def succeeded() -> None:
    """A move was written (or refused by the rule, which also means the database answered)."""
    global _last_failure  # noqa: PLW0603
    _last_failure = None


def failing() -> bool:
    """True when the last write failed, within the last FAILING_FOR_SECONDS."""
    last = _last_failure
    return last is not None and time.monotonic() - last < FAILING_FOR_SECONDS
