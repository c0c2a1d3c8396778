"""`minibank verify-ledger` passes a clean ledger and catches hand-made damage."""

from sqlalchemy import delete, select, text, update

from minibank.models import accounts, entries


def funded_bank(make_user, make_account, db):
    from minibank.services import transfers

    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=2_500)
    return source, destination


def test_clean_ledger_passes(runner, db, make_user, make_account):
    funded_bank(make_user, make_account, db)
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    assert "ledger OK" in result.output and "transfers 2" in result.output


def test_empty_ledger_passes(runner):
    assert runner.invoke(args=["verify-ledger"]).exit_code == 0


def test_hand_corrupted_balance_is_detected(runner, db, make_user, make_account):
    source, _ = funded_bank(make_user, make_account, db)
    db.write(
        lambda c: c.execute(update(accounts).where(accounts.c.id == source.id).values(balance=accounts.c.balance + 1))
    )
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "balance differs from the sum of its entries" in result.output
    assert "currency totals are not zero" in result.output


def test_hand_deleted_entry_is_detected(runner, db, make_user, make_account):
    source, _ = funded_bank(make_user, make_account, db)
    last = db.read(
        lambda c: (
            c.execute(select(entries.c.id).where(entries.c.account_id == source.id).order_by(entries.c.id.desc()))
            .scalars()
            .first()
        )
    )
    db.write(lambda c: c.execute(delete(entries).where(entries.c.id == last)))
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "transfer does not have exactly two entries" in result.output


def test_tampered_balance_after_is_detected(runner, db, make_user, make_account):
    funded_bank(make_user, make_account, db)
    db.write(lambda c: c.execute(text("UPDATE entries SET balance_after = balance_after + 7 WHERE id = 1")))
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "balance_after differs from the running sum" in result.output


def test_tampered_hourly_outgoing_total_is_detected(runner, db, make_user, make_account):
    funded_bank(make_user, make_account, db)
    db.write(lambda c: c.execute(text("UPDATE outgoing_totals SET total = total + 1")))
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "hourly outgoing totals disagree with the transfers" in result.output


def test_commands_on_an_unmigrated_database_say_so_in_one_line(tmp_path, monkeypatch):
    from minibank import create_app

    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    for command in (["verify-ledger"], ["stats"], ["deposit", "1234567889", "1.00"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 1, command
        assert "run `minibank db upgrade`" in result.output
    app.extensions["minibank.db"].dispose()
