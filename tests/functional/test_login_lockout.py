"""The login lockout cannot be turned against the owner: strict per (e-mail, address) and per
address; across addresses it holds back only addresses that have themselves failed for the e-mail."""

import pytest

from ..support.factories import PASSWORD
from ..support.http import Auth, csrf_token

OWNER = "198.51.100.7"
WRONG = "wrong password!!"


class Clock:
    """The throttle's clock, moved by hand instead of sleeping."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app):
    clock = Clock()
    app.extensions["minibank.login_throttle"].clock = clock
    return clock


@pytest.fixture
def victim(make_user):
    return make_user(email="victim@example.com")


def login(client, address, email="victim@example.com", password=WRONG):
    return client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}, environ_overrides={"REMOTE_ADDR": address}
    )


def attack(client, addresses, email="victim@example.com") -> list[int]:
    """Every address guesses until refused; the statuses of all the attempts."""
    statuses = []
    for address in addresses:
        for _ in range(25):
            statuses.append(login(client, address, email).status_code)
            if statuses[-1] == 429:
                break
    return statuses


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(client, clock, victim):
    # Two days of guessing, from new addresses every hour and old ones again: every address ends refused...
    for hour in range(48):
        statuses = attack(client, [f"10.{hour % 3}.{hour}.{i}" for i in range(8)] + ["10.9.9.9"])
        assert statuses[-1] == 429 and set(statuses) == {401, 429}
        # ...while the owner, from an address that has not failed, gets in every time without waiting.
        assert login(client, OWNER, password=PASSWORD).status_code == 200
        clock.advance(3600)


def test_a_typo_of_the_owners_own_waits_for_the_emails_budget(client, clock, victim):
    attack(client, ["10.0.0.1", "10.0.0.2"])  # ten failures: the e-mail's 15-minute budget is spent
    assert login(client, OWNER).status_code == 401  # the owner mistypes: now this address has failed too
    refused = login(client, OWNER, password=PASSWORD)
    # Fresh addresses' failures count beyond the budget, so its wait may pass one window (never two).
    assert refused.status_code == 429 and 15 * 60 < int(refused.headers["Retry-After"]) < 2 * 15 * 60
    clock.advance(int(refused.headers["Retry-After"]))
    assert login(client, OWNER, password=PASSWORD).status_code == 200


def test_an_owner_who_mistyped_gets_in_within_two_days_of_a_ceaseless_attack(client, clock, victim):
    assert login(client, OWNER).status_code == 401
    hours = 0
    while True:
        attack(client, [f"10.{hours}.0.{i}" for i in range(5)])  # new addresses every hour
        answer = login(client, OWNER, password=PASSWORD)
        if answer.status_code == 200:
            break
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) <= 86401
        clock.advance(3600)
        hours += 1
    # Refusals are not failures: the owner's own failure ages out (between one and two days) and then
    # the address is fresh again, however hard the others guess.
    assert 24 <= hours <= 48


def test_failures_lock_the_pair_not_the_email(client, clock, victim):
    assert [login(client, "10.0.0.1").status_code for _ in range(5)] == [401] * 5
    locked = login(client, "10.0.0.1", password=PASSWORD)  # that address waits, even with the right password
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 301
    assert locked.get_json()["code"] == "too_many_attempts"
    assert login(client, "10.0.0.2", password=PASSWORD).status_code == 200  # another address does not
    clock.advance(int(locked.headers["Retry-After"]))
    assert login(client, "10.0.0.1", password=PASSWORD).status_code == 200  # and the lock lifts by itself


def test_the_pair_is_locked_for_the_day_after_twenty(client, clock, victim):
    statuses = []
    while not statuses or statuses[-1] != 429:  # one guess every 8 minutes stays under the shorter tiers
        statuses.append(login(client, "10.0.0.1").status_code)
        clock.advance(480)
    assert statuses == [401] * 20 + [429]
    locked = login(client, "10.0.0.1", password=PASSWORD)
    assert locked.status_code == 429 and 3600 < int(locked.headers["Retry-After"]) <= 86401
    assert login(client, "10.0.0.3", password=PASSWORD).status_code == 200
    clock.advance(int(locked.headers["Retry-After"]))
    assert login(client, "10.0.0.1", password=PASSWORD).status_code == 200


def test_unknown_emails_are_throttled_like_known_ones(client, clock, victim):
    known = [login(client, "10.0.0.1").status_code for _ in range(6)]
    unknown = [login(client, "10.0.0.1", email="ghost@example.com").status_code for _ in range(6)]
    assert known == unknown == [401] * 5 + [429]
    assert login(client, "10.0.0.2", email="ghost@example.com").status_code == 401  # per address, like a real one


def test_one_address_spraying_many_emails_is_stopped(client, clock, make_user):
    make_user(email="target@example.com")
    statuses = [login(client, "10.0.0.1", email=f"user{n}@example.com").status_code for n in range(21)]
    assert statuses == [401] * 20 + [429]
    # Held back for every e-mail, known or not, even with the right password...
    refused = login(client, "10.0.0.1", email="target@example.com", password=PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 301
    assert login(client, "10.0.0.2", email="target@example.com", password=PASSWORD).status_code == 200
    clock.advance(int(refused.headers["Retry-After"]))
    assert login(client, "10.0.0.1", email="target@example.com", password=PASSWORD).status_code == 200


def test_an_ipv6_client_counts_per_64_prefix(client, clock, victim):
    statuses = [login(client, f"2001:db8:1:2::{n:x}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]  # a new host in the same /64 is the same client
    assert login(client, "2001:db8:1:3::1", password=PASSWORD).status_code == 200


def change_password(client, current, address):
    token = csrf_token(client, "/settings/password")
    return client.post(
        "/settings/password",
        environ_overrides={"REMOTE_ADDR": address},
        data={"current_password": current, "new_password": "another long passphrase", "csrf_token": token}
        | {"confirm_new_password": "another long passphrase"},
    )


def test_wrong_current_passwords_are_limited_like_failed_logins(app, client, clock, victim):
    Auth(client).login("victim@example.com")
    statuses = [change_password(client, f"wrong guess number {n}", OWNER).status_code for n in range(6)]
    assert statuses == [422] * 5 + [429]
    refused = change_password(client, PASSWORD, OWNER)  # even the right one waits
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 301
    assert "Too many wrong passwords" in refused.get_data(as_text=True)
    # The same count as the login's, for this user's e-mail from this address, and only this address.
    assert login(client, OWNER, password=PASSWORD).status_code == 429
    assert login(client, "10.0.0.2", password=PASSWORD).status_code == 200
    clock.advance(int(refused.headers["Retry-After"]))
    assert change_password(client, PASSWORD, OWNER).status_code == 303


def test_failed_logins_count_against_the_password_form(app, client, clock, victim):
    Auth(client).login("victim@example.com")
    for _ in range(5):
        login(client, OWNER)
    assert change_password(client, PASSWORD, OWNER).status_code == 429
    assert change_password(client, PASSWORD, "10.0.0.2").status_code == 303  # the pair, not the e-mail


def events(db, *names):
    rows = db.read(
        lambda conn: conn.exec_driver_sql("SELECT event, outcome, client_ip FROM audit_events ORDER BY id").all()
    )
    return [tuple(row) for row in rows if row[0] in names]


def test_failures_and_lockouts_are_audited_and_counted(app, client, clock, victim, db):
    from minibank.metrics import LOGIN_FAILURES

    before = LOGIN_FAILURES._value.get()
    for _ in range(5):
        login(client, "10.0.0.1")
    Auth(client).login("victim@example.com")
    for _ in range(5):
        change_password(client, "wrong guess", OWNER)
    assert LOGIN_FAILURES._value.get() == before + 10
    assert events(db, "login.failed", "login.lockout", "password.change_failed") == [
        *[("login.failed", "failure", "10.0.0.1")] * 5,
        ("login.lockout", "locked", "10.0.0.1"),
        *[("password.change_failed", "failure", OWNER)] * 5,
        ("login.lockout", "locked", OWNER),
    ]
