"""Factories that build users and funded accounts through the real services."""

import itertools

from minibank.services import accounts, transfers, users

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


class Factory:
    """Creates users and accounts; balances arrive as real deposits so the ledger stays whole."""

    def __init__(self, db, *, currency: str):
        self.db = db
        self.currency = currency

    def user(
        self, *, email: str | None = None, name: str = "Test User", role: str = "customer", password: str = PASSWORD
    ):
        """A new user with a unique e-mail address unless one is given."""
        email = email or f"user{next(_serial)}@example.com"
        return users.create_user(self.db, email=email, name=name, password=password, role=role)

    def account(self, *, owner=None, balance: int = 0, name: str = "Checking", currency: str | None = None):
        """A new open account holding ``balance`` minor units."""
        owner = owner or self.user()
        account = accounts.open_account(self.db, owner_id=owner.id, name=name, currency=currency or self.currency)
        if balance:
            transfers.deposit(self.db, account=account.number, amount=balance, memo="test funding")
        return accounts.get_by_number(self.db, number=account.number, owner_id=None)
