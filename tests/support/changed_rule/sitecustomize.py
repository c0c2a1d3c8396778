"""On PYTHONPATH of a bank server under test: the transfer rule also refuses one amount.

Set MINIBANK_TEST_REFUSED_AMOUNT (minor units) to change the rule in every process the server
starts (the master and its workers import the bank after this has run).
"""

import os

if os.environ.get("MINIBANK_TEST_REFUSED_AMOUNT"):
    from minibank.domain import transfers as _rule
    from minibank.domain.errors import LimitExceeded as _Refusal

    _refused = int(os.environ["MINIBANK_TEST_REFUSED_AMOUNT"])
    _original = _rule.check_transfer

    def _changed(**facts):
        if facts["amount"] == _refused:
            raise _Refusal("This bank's rule refuses that exact amount.")
        return _original(**facts)

    _rule.check_transfer = _changed
