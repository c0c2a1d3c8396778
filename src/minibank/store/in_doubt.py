"""Whether the request at hand has sent money on its way, so that its answer must never say "nothing was changed".

Set by the ledger's door for each move it is given and taken back when the move is refused
for certain; read by the error handlers, which answer `outcome_unknown` instead of a generic
failure once a move may have happened. A context variable: each thread, and each greenlet
under gevent, has its own, and every request starts it afresh.
"""

from contextvars import ContextVar, Token

_sent: ContextVar[bool] = ContextVar("minibank_money_sent", default=False)


def mark() -> Token:
    """A move is on its way; the token takes the mark back (``settled``) if it is refused for certain."""
    return _sent.set(True)


def settled(token: Token) -> None:
    """The move was refused: nothing moved, as far as this mark is concerned."""
    _sent.reset(token)


def clear() -> None:
    """A new request: no money sent yet."""
    _sent.set(False)


def money_may_have_moved() -> bool:
    """True once this request has sent a move that was not refused for certain."""
    return _sent.get()
