"""The end of a ledger transaction: whether its COMMIT is known to have happened, or not to have."""

import sqlite3
from contextlib import contextmanager

import psycopg

# SQLSTATE classes that may come from a server going away (connection exception, operator
# intervention such as a shutdown, system error, internal error): the COMMIT may have been made
# durable first. Any other error the server sends on a live connection aborted the transaction
# (in pipeline mode the write's own error arrives with the COMMIT, which then rolls back).
_MAYBE_GONE = ("08", "57", "58", "XX")
_STATEMENT_CANCELLED = "57014"  # statement_timeout: the statement stopped, the server stayed


def commit(driver) -> bool:
    """COMMIT: True once done, False when its outcome cannot be known; raises only a certain rollback.

    A COMMIT that fails on a lost connection (the server crashed, was stopped or killed us)
    may have been made durable before the server went away: nothing but a later read can tell.
    """
    try:
        driver.commit()
    except sqlite3.Error:
        raise  # SQLite answers in-process: a failed COMMIT left the transaction rolled back or still open
    except psycopg.Error as error:
        state = error.sqlstate or ""
        gone = driver.broken or driver.closed or not state or state[:2] in _MAYBE_GONE
        if gone and state != _STATEMENT_CANCELLED:
            return False
        raise
    return True


@contextmanager
def pipelined(driver):
    """psycopg's pipeline mode, whose closing cannot undo an answer the body already has.

    Once the body has run to its end, its COMMIT has been answered or found unknown; a
    connection that fails while the pipeline closes changes neither. The caller discards it.
    """
    finished = False
    try:
        with driver.pipeline():
            yield
            finished = True
    except psycopg.Error:
        if not finished:
            raise
