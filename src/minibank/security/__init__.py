"""Passwords, tokens, the login throttle, and the headers and framing every response and request gets."""
