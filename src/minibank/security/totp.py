"""Time-based one-time passwords (RFC 6238): secrets, the code check with its window, the QR code."""

import hmac
import re

import pyotp
import segno

ISSUER = "miniBank"
DIGITS = 6
STEP_SECONDS = 30
# Steps either side of now that still count: one, so a phone's clock may be 30 seconds off.
WINDOW = 1
_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A fresh random secret (160 bits, base32), as authenticator apps take it."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, *, account: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element, drawn on the server (no script, no image request)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=False)


def normalize_code(text: object) -> str | None:
    """Six digits from what was typed (spaces and a dash dropped), or None when it is not a code."""
    if not isinstance(text, str):
        return None
    digits = re.sub(r"[\s-]", "", text)
    return digits if _CODE.fullmatch(digits) else None


def step_at(when: float) -> int:
    """The time step (counter) that contains the Unix time ``when``."""
    return int(when // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of ``secret`` for time step ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: object, *, now: float, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, within one step of now and later than ``last_step``; else None.

    A step at or before the last accepted one is refused: a code, once used, never works again,
    nor does any older code (RFC 6238, section 5.2).
    """
    digits = normalize_code(code)
    if digits is None:
        return None
    current = step_at(now)
    # Newest first: when two steps share a code (one chance in a million), the later one is recorded.
    for step in range(current + WINDOW, current - WINDOW - 1, -1):
        if last_step is not None and step <= last_step:
            break
        if hmac.compare_digest(code_at(secret, step), digits):
            return step
    return None
