"""miniBank: a small bank's web application and double-entry ledger."""

from .app import create_app

__all__ = ["create_app"]
