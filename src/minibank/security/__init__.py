"""Passwords, tokens and access guards."""
