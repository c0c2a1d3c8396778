"""Access tokens: short-lived JWTs per RFC 8725, signed from a key ring with `kid`."""

import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

import jwt

ALGORITHM = "HS256"
ISSUER = "minibank"
# Distinct audiences keep a browser-session token from working as an API token and back.
AUDIENCE_API = "minibank:api"
AUDIENCE_WEB = "minibank:web"
# Explicit type (RFC 8725 section 3.11, RFC 9068): refuses other JWTs signed with the same key.
TOKEN_TYPE = "at+jwt"
REQUIRED_CLAIMS = ["sub", "iat", "nbf", "exp", "iss", "aud", "jti", "ver", "auth_time"]
# Instances' clocks may disagree: a token issued on one whose clock runs ahead is accepted by
# another up to a minute early (iat, nbf). Expiry keeps a few seconds only: a late clock must
# not stretch a token's life by much.
SKEW_SECONDS = 60
LEEWAY_SECONDS = 5
MAX_TOKEN_LENGTH = 4096


class InvalidToken(Exception):
    """The token is malformed, forged, expired or otherwise unacceptable."""


@dataclass(frozen=True, slots=True)
class Claims:
    """The verified claims the bank relies on."""

    user_id: int
    jti: str
    version: int
    issued_at: int
    expires_at: int
    auth_time: int
    # The session (services/sessions.py) the token belongs to; None for tokens issued before sessions.
    session_id: str | None = None

    @property
    def session_key(self) -> str | None:
        """The session's entry in the revocation list: every token of an ended session is refused by it."""
        return f"sid:{self.session_id}" if self.session_id else None


def session_is_valid(claims: Claims, *, status: str, token_version: int, revoked: bool) -> bool:
    """A verified token still speaks for its user: not revoked, user active, same token version."""
    return not revoked and status == "active" and token_version == claims.version


def issue(
    *,
    user_id: int,
    token_version: int,
    keys: list[tuple[str, str]],
    ttl: int,
    audience: str,
    auth_time: int | None = None,
    now: int | None = None,
    session_id: str | None = None,
) -> tuple[str, Claims]:
    """Sign a new token with the first key of the ring; ``auth_time`` carries the login time, ``session_id`` its session."""
    now = int(time.time()) if now is None else now
    kid, key = keys[0]
    claims = Claims(user_id, secrets.token_urlsafe(16), token_version, now, now + ttl, auth_time or now, session_id)
    payload = {
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": claims.expires_at,
        "iss": ISSUER,
        "aud": audience,
        "jti": claims.jti,
        "ver": token_version,
        "auth_time": claims.auth_time,
    }
    if session_id:
        payload["sid"] = session_id
    token = jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": TOKEN_TYPE})
    return token, claims


def verify(token: str, *, keys: list[tuple[str, str]], audience: str) -> Claims:
    """Check signature, algorithm, type, issuer, audience and times; return the claims."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("malformed token")
    claims, not_before = _decode(token, tuple(keys), audience)
    # The times are checked on every use, not only when the token was first decoded.
    now = time.time()
    if now > claims.expires_at + LEEWAY_SECONDS or now < not_before - SKEW_SECONDS:
        raise InvalidToken("expired or not yet valid")
    return claims


def subject(token: str, *, keys: list[tuple[str, str]], audience: str) -> int | None:
    """The user id of a well-signed token of this audience, expired or not; None for anything else.

    For a session that has ended: whose it was, never whether it may still act."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        claims, _ = _decode(token, tuple(keys), audience)
    except InvalidToken:
        return None
    return claims.user_id


# Verifying a signature costs more than the rest of a request's authentication; a
# token, once verified, keeps its claims, so the result is memoised per process.
# Only successes are cached (an exception is never stored), and the times above
# are checked again on every use.
@lru_cache(maxsize=8192)
def _decode(token: str, keys: tuple[tuple[str, str], ...], audience: str) -> tuple[Claims, int]:
    try:
        header = jwt.get_unverified_header(token)
        ring = dict(keys)
        kid = header.get("kid")
        if header.get("typ") != TOKEN_TYPE or not isinstance(kid, str) or kid not in ring:
            raise InvalidToken("unknown key or token type")
        # The algorithm is pinned: the header's "alg" is never trusted (no "none", no RS/HS confusion).
        payload = jwt.decode(
            token,
            ring[kid],
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            leeway=SKEW_SECONDS,
            # exp is checked below with its own, smaller leeway; PyJWT has one leeway for all times.
            options={"require": REQUIRED_CLAIMS, "strict_aud": True, "verify_exp": False},
        )
        claims = Claims(
            user_id=_positive_int(payload["sub"]),
            jti=str(payload["jti"]),
            version=_positive_int(payload["ver"], allow_zero=True),
            issued_at=int(payload["iat"]),
            expires_at=int(payload["exp"]),
            auth_time=int(payload["auth_time"]),
            session_id=_session_id(payload.get("sid")),
        )
        return claims, int(payload["nbf"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
        raise InvalidToken(str(error)) from None


def _session_id(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 16 <= len(value) <= 32:
        raise ValueError("bad session id")
    return value


def _positive_int(value, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("not an integer")
    number = int(value)
    if number < 0 or (number == 0 and not allow_zero) or number > 2**63 - 1:
        raise ValueError("out of range")
    return number
