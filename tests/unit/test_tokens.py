"""Access tokens per RFC 8725: pinned algorithm, typed, every claim checked."""

import base64
import json
import time

import jwt
import pytest

from minibank.security import tokens

KEYS = [("k2", "second-key-" + "x" * 64), ("k1", "first-key-" + "y" * 64)]


def issue(**overrides):
    options = dict(user_id=7, token_version=3, keys=KEYS, ttl=900, audience=tokens.AUDIENCE_API)
    options.update(overrides)
    return tokens.issue(**options)


def verify(token, keys=KEYS, audience=tokens.AUDIENCE_API):
    return tokens.verify(token, keys=keys, audience=audience)


def forge(payload_changes=None, header_changes=None, key=KEYS[0][1], algorithm="HS256"):
    now = int(time.time())
    payload = {
        "sub": "7",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "iss": tokens.ISSUER,
        "aud": tokens.AUDIENCE_API,
        "jti": "j",
        "ver": 3,
        "auth_time": now,
    }
    payload.update(payload_changes or {})
    headers = {"kid": "k2", "typ": tokens.TOKEN_TYPE}
    headers.update(header_changes or {})
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def test_round_trip_carries_the_claims():
    token, claims = issue()
    verified = verify(token)
    assert verified == claims
    assert (verified.user_id, verified.version) == (7, 3)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "kid": "k2", "typ": "at+jwt"}
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) >= {"sub", "iat", "nbf", "exp", "iss", "aud", "jti"}
    assert payload["sub"] == "7"  # the user id, never the e-mail


def test_keys_rotate_without_logging_everyone_out():
    old_token, _ = issue(keys=[KEYS[1]])
    assert verify(old_token).user_id == 7  # signed by k1, still in the ring
    with pytest.raises(tokens.InvalidToken):
        verify(old_token, keys=[KEYS[0]])  # k1 retired


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused():
    now = int(time.time())
    unsigned = (
        _b64({"alg": "none", "typ": "at+jwt", "kid": "k2"})
        + "."
        + _b64(
            {
                "sub": "7",
                "iat": now,
                "nbf": now,
                "exp": now + 900,
                "iss": "minibank",
                "aud": tokens.AUDIENCE_API,
                "jti": "j",
                "ver": 3,
                "auth_time": now,
            }
        )
        + "."
    )
    with pytest.raises(tokens.InvalidToken):
        verify(unsigned)


@pytest.mark.parametrize(
    "token",
    [
        forge(key="wrong-key-" + "z" * 64),
        forge(algorithm="HS512"),
        forge(payload_changes={"exp": int(time.time()) - 60}),
        forge(
            payload_changes={"nbf": int(time.time()) + 30 * 86400}
        ),  # made at collection: far enough ahead for any suite
        forge(payload_changes={"aud": tokens.AUDIENCE_WEB}),
        forge(payload_changes={"aud": ["minibank:api", "other"]}),
        forge(payload_changes={"iss": "evil"}),
        forge(payload_changes={"sub": "0"}),
        forge(payload_changes={"sub": "alice@example.com"}),
        forge(payload_changes={"sub": True}),
        forge(header_changes={"kid": "unknown"}),
        forge(header_changes={"typ": "JWT"}),
        forge(payload_changes={"jti": None}),
        "not.a.token",
        "",
        "a" * 5000,
    ],
    ids=[
        "wrong-signature",
        "other-alg",
        "expired",
        "not-yet-valid",
        "web-audience",
        "extra-audience",
        "wrong-issuer",
        "zero-subject",
        "email-subject",
        "bool-subject",
        "unknown-kid",
        "untyped",
        "null-jti",
        "garbage",
        "empty",
        "huge",
    ],
)
def test_bad_tokens_are_refused(token):
    with pytest.raises(tokens.InvalidToken):
        verify(token)


def test_missing_claims_are_refused():
    token = jwt.encode({"sub": "7"}, KEYS[0][1], algorithm="HS256", headers={"kid": "k2", "typ": "at+jwt"})
    with pytest.raises(tokens.InvalidToken):
        verify(token)


@pytest.mark.parametrize("ahead", [10, 45])
def test_a_token_from_an_instance_whose_clock_runs_ahead_is_accepted(ahead):
    later = int(time.time()) + ahead
    assert verify(forge(payload_changes={"iat": later, "nbf": later, "auth_time": later})).user_id == 7


def test_a_token_from_further_ahead_than_the_documented_skew_is_refused():
    later = int(time.time()) + tokens.SKEW_SECONDS + 60
    with pytest.raises(tokens.InvalidToken):
        verify(forge(payload_changes={"iat": later, "nbf": later, "auth_time": later}))


def test_expiry_keeps_only_a_few_seconds_of_leeway():
    with pytest.raises(tokens.InvalidToken):
        verify(forge(payload_changes={"exp": int(time.time()) - tokens.LEEWAY_SECONDS - 5}))
