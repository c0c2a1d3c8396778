"""The back office's API shapes: customers found, a customer with their accounts."""

from typing import Annotated

from pydantic import Field

from .params import Cursor, Limit, Query
from .schemas import AccountOut, AdminUserOut, Out

SearchText = Annotated[
    str,
    Field(min_length=1, max_length=100, description="Part of a name, an e-mail address or an account number"),
]


class CustomerSearchQuery(Query):
    """Find customers: the text to look for and which page."""

    q: SearchText
    limit: Limit = 20
    cursor: Cursor | None = None


class CustomerPageOut(Out):
    """Customers whose name, e-mail or an account number contains the text, in name order."""

    items: list[AdminUserOut]
    next_cursor: str | None


class AdminAccountOut(AccountOut):
    """An account as staff see it: its owner too."""

    owner_id: int


class CustomerOut(AdminUserOut):
    """A customer with every account they hold, oldest first."""

    accounts: list[AccountOut]
