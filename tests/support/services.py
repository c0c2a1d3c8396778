"""Whether a service the tests need is reachable; in CI a missing one fails the test."""

import os

import pytest


def in_ci() -> bool:
    """True on the CI runner, where every service must be present."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(service: str, reason: str) -> None:
    """Skip with a visible reason locally; fail in CI."""
    if in_ci():
        pytest.fail(f"{service} is required in CI: {reason}")
    pytest.skip(f"{service} not available: {reason}")
