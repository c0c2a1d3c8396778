"""`minibank create-user`: the first customer or teller, the password never an argument; bad input is one line."""

import json

import pytest
from sqlalchemy import func, select

from minibank.models import audit_events, users

PASSWORD = "a long enough password 1"


def count_users(db) -> int:
    return db.read(lambda conn: conn.execute(select(func.count()).select_from(users)).scalar_one())


def create(runner, *args, stdin=PASSWORD + "\n"):
    return runner.invoke(args=["create-user", *args, "--password-stdin"], input=stdin)


@pytest.mark.parametrize(
    ("flag", "role"),
    [
        ((), "customer"),
        (("--teller",), "teller"),
        (("--admin",), "supervisor"),
        (("--role", "auditor"), "auditor"),
        (("--role", "teller"), "teller"),
    ],
)
def test_creates_a_customer_or_a_teller_from_a_password_on_stdin(runner, db, flag, role):
    result = create(runner, "Erin@Example.com", "--name", "Erin", *flag)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"created user 1 <erin@example.com> role={role}\n"
    assert db.read(lambda conn: conn.execute(select(users.c.role)).scalar_one()) == role


def test_the_password_is_prompted_for_twice_without_stdin(runner, db):
    result = runner.invoke(
        args=["create-user", "erin@example.com", "--name", "Erin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output and count_users(db) == 1


def test_a_password_is_never_an_argument(runner, db):
    result = runner.invoke(args=["create-user", "erin@example.com", "--name", "Erin", "--password", PASSWORD])
    assert result.exit_code == 2 and count_users(db) == 0


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("erin@example.com", "--name", "Erin"), "short\n", "password: Use at least"),
        (("erin@example.com", "--name", "Erin"), "", "password: Use at least"),
        (("erin@example.com", "--name", "Erin"), "password1234\n", "password: "),
        (("not-an-email", "--name", "Erin"), PASSWORD + "\n", "email: Enter a valid e-mail address."),
        (("erin@example.com", "--name", " "), PASSWORD + "\n", "name: Enter your name."),
    ],
)
def test_bad_input_is_one_line_and_creates_nobody(runner, db, args, stdin, says):
    result = create(runner, *args, stdin=stdin)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()] and says in result.stderr, result.stderr
    assert result.stdout == "" and count_users(db) == 0


def test_an_existing_email_is_one_line_and_changes_nothing(runner, db):
    assert create(runner, "erin@example.com", "--name", "Erin").exit_code == 0
    result = create(runner, "ERIN@example.com", "--name", "Other", "--teller")
    assert result.exit_code == 1
    assert result.stderr == "Error: email: An account with this e-mail address already exists.\n"
    assert count_users(db) == 1
    assert db.read(lambda conn: conn.execute(select(users.c.name, users.c.role)).one()) == ("Erin", "customer")


def test_grant_role_gives_each_role_and_is_audited(runner, db):
    assert create(runner, "erin@example.com", "--name", "Erin").exit_code == 0
    for role in ("auditor", "teller", "supervisor", "customer"):
        result = runner.invoke(args=["grant-role", "erin@example.com", role])
        assert (result.exit_code, result.stdout) == (0, f"erin@example.com is now {role}\n"), result.output
    changes = db.read(
        lambda conn: (
            conn.execute(select(audit_events.c.details).where(audit_events.c.event == "admin.role_changed"))
            .scalars()
            .all()
        )
    )
    assert [json.loads(change)["role"] for change in changes] == ["auditor", "teller", "supervisor", "customer"]
    refused = runner.invoke(args=["grant-role", "erin@example.com", "admin"])
    assert refused.exit_code == 2 and "supervisor" in refused.output
    missing = runner.invoke(args=["grant-role", "nobody@example.com", "teller"])
    assert missing.exit_code == 1


def test_grant_admin_still_works_and_says_what_it_became(runner, db):
    assert create(runner, "erin@example.com", "--name", "Erin").exit_code == 0
    result = runner.invoke(args=["grant-admin", "erin@example.com"])
    assert result.exit_code == 0 and result.stdout.startswith("erin@example.com is now supervisor (the admin role")
    assert db.read(lambda conn: conn.execute(select(users.c.role)).scalar_one()) == "supervisor"


def test_only_one_role_flag(runner, db):
    result = create(runner, "erin@example.com", "--name", "Erin", "--teller", "--role", "auditor")
    assert result.exit_code == 2 and count_users(db) == 0
