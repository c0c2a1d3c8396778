"""`minibank send-batch`: a CSV file of transfers sent to a running bank as one batch, through its API."""

from minibank.services.accounts import get_by_number

from ..support.api import live_server
from ..support.factories import PASSWORD
from ..support.servers import free_port


def _send(runner, path, email, base, *extra):
    return runner.invoke(
        args=["send-batch", str(path), "--email", email, "--url", base, "--password-stdin", *extra],
        input=PASSWORD + "\n",
    )


def _balance(db, number):
    return get_by_number(db, number=number, owner_id=None).balance


def test_a_file_moves_once_and_says_what_each_row_did(app, db, runner, make_user, make_account, tmp_path):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account(owner=bob)
    path = tmp_path / "payroll.csv"
    path.write_text(
        f"from_account,to_account,amount,memo\n{source.number},{destination.number},10.00,December\n"
        f"{source.number},{destination.number},2.50,\n"
    )
    with live_server(app) as base:
        first = _send(runner, path, alice.email, base)
        again = _send(runner, path, alice.email, base)
    assert first.exit_code == 0, first.output
    assert "1\tmoved\ttransfer" in first.output and "applied: 2 moved, 0 refused" in first.output
    assert again.exit_code == 0 and "sent before" in again.output
    assert _balance(db, destination.number) == 1_250


def test_a_refused_atomic_file_moves_nothing_and_exits_1(app, db, runner, make_user, make_account, tmp_path):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=500), make_account(owner=bob)
    path = tmp_path / "too-much.csv"
    path.write_text(
        f"from_account,to_account,amount\n{source.number},{destination.number},4.00\n"
        f"{source.number},{destination.number},4.00\n"
    )
    with live_server(app) as base:
        atomic = _send(runner, path, alice.email, base)
        independent = _send(runner, path, alice.email, base, "--mode", "independent")
    assert atomic.exit_code == 1
    assert "refused\tbatch_not_applied" in atomic.output and "refused\tinsufficient_funds" in atomic.output
    assert "Error: nothing moved" in atomic.output
    assert independent.exit_code == 1 and "1 of 2 transfers did not move" in independent.output
    assert _balance(db, destination.number) == 400


def test_bad_files_and_an_unreachable_bank_are_one_line_each(runner, make_user, tmp_path):
    alice = make_user()
    cases = {
        "from,to,amount\n1,2,3\n": "the header must be",
        "from_account,to_account,amount\n4821093377,,1.00\n": "row 2: needs",
        "from_account,to_account,amount\n": "a batch holds 1 to 1000",
    }
    for text, message in cases.items():
        path = tmp_path / "file.csv"
        path.write_text(text)
        result = _send(runner, path, alice.email, "http://127.0.0.1:1")
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output, result.output
    path.write_text("from_account,to_account,amount\n4821093377,1234567889,1.00\n")
    unreachable = _send(runner, path, alice.email, f"http://127.0.0.1:{free_port()}")
    assert unreachable.exit_code == 1 and "cannot reach the bank" in unreachable.output
