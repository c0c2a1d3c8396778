"""Recovery codes: ten single-use codes for a lost phone, shown once and stored only as hashes."""

import hashlib
import re
import secrets

COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): 31 symbols, almost 5 bits each.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUP = 5
_CODE = re.compile(rf"[{_ALPHABET}]{{{2 * _GROUP}}}")


def generate(count: int = COUNT) -> list[str]:
    """``count`` fresh codes such as ``k7m2p-xq9rt`` (49 random bits each)."""
    return [_format("".join(secrets.choice(_ALPHABET) for _ in range(2 * _GROUP))) for _ in range(count)]


def _format(raw: str) -> str:
    return f"{raw[:_GROUP]}-{raw[_GROUP:]}"


def normalize(text: object) -> str | None:
    """The code in its one stored form (lower case, the dash in place), or None when it cannot be one."""
    if not isinstance(text, str):
        return None
    raw = re.sub(r"[\s-]", "", text).lower()
    return _format(raw) if _CODE.fullmatch(raw) else None


def digest(code: str) -> str:
    """The SHA-256 of a normalized code: 49 random bits need no slow hash, as nobody can guess them offline."""
    return hashlib.sha256(code.encode()).hexdigest()
