"""The second factor's codes in the services, on both engines: each accepted once, even when raced."""

import threading

import pyotp
import pytest
from sqlalchemy import select

from minibank.domain.errors import InvalidSecondFactor
from minibank.mail.links import Links
from minibank.models import audit_events, mail_outbox, recovery_codes, totp_credentials
from minibank.services import second_factor, two_factor

NOW = 1_800_000_015.0


def enrol(db, user):
    """Turn two-factor authentication on with the previous step's code: (secret, recovery codes)."""
    two_factor.start(db, user=user)
    secret = db.read(lambda c: c.execute(select(totp_credentials.c.secret)).scalar_one())
    codes = two_factor.confirm(db, user=user, code=pyotp.TOTP(secret).at(NOW - 30), links=Links(), now=NOW)
    return secret, codes


def consume(db, user, code, now=NOW):
    return db.write(lambda conn: second_factor.consume(conn, user_id=user.id, code=code, now=now))


def race(db, user, code, n=4) -> list[str | None]:
    """``n`` threads send the same code at the same moment; what each was answered."""
    barrier, results = threading.Barrier(n), []

    def run():
        barrier.wait()
        results.append(consume(db, user, code))

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_code_raced_from_several_requests_wins_once(db, make_user):
    user = make_user()
    secret, codes = enrol(db, user)
    assert sorted(race(db, user, pyotp.TOTP(secret).at(NOW)), key=str) == [None, None, None, "totp"]
    assert sorted(race(db, user, codes[0]), key=str) == [None, None, None, "recovery_code"]


def test_the_window_and_replay_hold_in_the_database(db, make_user):
    user = make_user()
    secret, _ = enrol(db, user)
    app = pyotp.TOTP(secret)
    assert consume(db, user, app.at(NOW - 30)) is None  # the step that confirmed the set-up
    assert consume(db, user, app.at(NOW + 60)) is None  # two steps ahead
    assert consume(db, user, app.at(NOW + 30)) == "totp"  # one step ahead
    assert consume(db, user, app.at(NOW)) is None  # older than the last accepted
    assert consume(db, user, app.at(NOW + 60), now=NOW + 30) == "totp"


def test_recovery_codes_are_stored_hashed_and_replaced_whole(db, make_user):
    user = make_user()
    _, codes = enrol(db, user)
    stored = db.read(lambda c: c.execute(select(recovery_codes.c.code_hash)).scalars().all())
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert consume(db, user, codes[9]) == "recovery_code"
    status = two_factor.status(db, user_id=user.id)
    assert status.enabled and status.recovery_codes_left == 9


def test_a_set_up_is_off_until_confirmed_and_its_wrong_code_changes_nothing(db, make_user):
    user = make_user()
    two_factor.start(db, user=user)
    secret = db.read(lambda c: c.execute(select(totp_credentials.c.secret)).scalar_one())
    assert consume(db, user, pyotp.TOTP(secret).at(NOW)) is None  # not on yet
    wrong = "000000" if "000000" not in [pyotp.TOTP(secret).at(NOW + 30 * s) for s in (-1, 0, 1)] else "999999"
    with pytest.raises(InvalidSecondFactor):
        two_factor.confirm(db, user=user, code=wrong, links=Links(), now=NOW)
    status = two_factor.status(db, user_id=user.id)
    assert status.enrolling and not status.enabled


def test_an_operator_resets_a_lost_second_factor_audited_and_the_owner_told(runner, db, make_user):
    user = make_user(email="lost@example.com")
    enrol(db, user)
    result = runner.invoke(args=["reset-two-factor", "lost@example.com"])
    assert result.exit_code == 0 and "off for lost@example.com" in result.output
    assert not second_factor.is_enabled(db, user_id=user.id)
    assert db.read(lambda c: c.execute(select(recovery_codes.c.id)).all()) == []
    assert db.read(
        lambda c: c.execute(select(audit_events.c.event).where(audit_events.c.event == "two_factor.reset")).all()
    )
    subjects = db.read(lambda c: c.execute(select(mail_outbox.c.subject)).scalars().all())
    assert "Two-factor authentication was turned off for your miniBank login" in subjects
    again = runner.invoke(args=["reset-two-factor", "lost@example.com"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    unknown = runner.invoke(args=["reset-two-factor", "nobody@example.com"])
    assert unknown.exit_code != 0
