"""Statement cells open as data in a spreadsheet split at `,` or at `;`, whatever the memo says."""

import csv
import io
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from minibank.services.accounts import Account
from minibank.services.history import HistoryItem
from minibank.web.statement import statement_csv

FORMULA = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+\.[0-9]{2}")
MEMO_TEXT = st.text(alphabet=st.sampled_from(list("=+-@\t\r;,\" 'ab1")) | st.characters(codec="utf-8"), max_size=30)


def render(memo: str) -> str:
    account = Account(
        id=1,
        number="1234567890",
        name="Checking",
        currency="USD",
        balance=100,
        status="open",
        owner_id=1,
        kind="customer",
        opened_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    item = HistoryItem(
        id=1,
        transfer_id=1,
        amount=-100,
        balance_after=0,
        counterparty="9876543210",
        memo=memo,
        kind="transfer",
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    return "".join(statement_csv(account, [item], UTC))


@given(MEMO_TEXT)
def test_no_cell_starts_a_formula_split_at_commas_or_semicolons(memo):
    text = render(memo)
    for separator in (",", ";"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            for cell in row:
                if separator == "," and NUMBER.fullmatch(cell):
                    continue  # amounts: numbers, which a spreadsheet never runs
                assert not cell.lstrip(" ").startswith(FORMULA), (separator, memo, cell)
