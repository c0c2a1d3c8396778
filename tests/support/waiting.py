"""Waiting for something that happens in another thread or process."""

import time

import pytest


def wait_until(condition, what: str, seconds: float = 30) -> None:
    """Poll until ``condition()`` is true (connection errors count as not yet); fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")
