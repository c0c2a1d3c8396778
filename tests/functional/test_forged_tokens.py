"""Against the running app: every kind of bad token is refused with 401 and changes nothing."""

import base64
import json
import time

import jwt
import pytest

from minibank.security import tokens


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(user, **changes) -> dict:
    now = int(time.time())
    payload = {
        "sub": str(user.id),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "iss": tokens.ISSUER,
        "aud": tokens.AUDIENCE_API,
        "jti": "forged",
        "ver": user.token_version,
        "auth_time": now,
    }
    payload.update(changes)
    return payload


def signed(app, payload, **header) -> str:
    kid, key = app.config["JWT_KEYS"][0]
    return jwt.encode(payload, key, algorithm="HS256", headers={"kid": kid, "typ": tokens.TOKEN_TYPE, **header})


FORGERIES = {
    "alg none": lambda app, u: (
        _b64({"alg": "none", "typ": "at+jwt", "kid": app.config["JWT_KEYS"][0][0]}) + "." + _b64(claims(u)) + "."
    ),
    "wrong key": lambda app, u: jwt.encode(
        claims(u),
        "an attacker's key, long enough to pass" * 2,
        algorithm="HS256",
        headers={"kid": app.config["JWT_KEYS"][0][0], "typ": "at+jwt"},
    ),
    "expired": lambda app, u: signed(app, claims(u, exp=int(time.time()) - 60)),
    "not yet valid": lambda app, u: signed(app, claims(u, nbf=int(time.time()) + 600)),
    "wrong audience": lambda app, u: signed(app, claims(u, aud=tokens.AUDIENCE_WEB)),
    "wrong issuer": lambda app, u: signed(app, claims(u, iss="someone-else")),
    "tampered payload": lambda app, u: (
        lambda t: t.split(".")[0] + "." + _b64(claims(u, sub="999")) + "." + t.split(".")[2]
    )(signed(app, claims(u))),
    "outdated version": lambda app, u: signed(app, claims(u, ver=u.token_version + 1)),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_tokens_are_refused_everywhere(app, client, make_user, make_account, forgery):
    user = make_user()
    account = make_account(owner=user, balance=1_000)
    headers = {"Authorization": f"Bearer {FORGERIES[forgery](app, user)}"}
    for method, path, body in [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/accounts", None),
        ("POST", "/api/v1/transfers", {"from_account": account.number, "to_account": account.number, "amount": "1.00"}),
    ]:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 401, (forgery, path)
        assert response.get_json()["code"] == "unauthenticated"
    from minibank.services.accounts import get_by_number

    assert get_by_number(app.extensions["minibank.db"], number=account.number, owner_id=None).balance == 1_000


def test_a_genuine_token_of_the_same_shape_is_accepted(app, client, make_user):
    user = make_user()
    headers = {"Authorization": f"Bearer {signed(app, claims(user))}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
