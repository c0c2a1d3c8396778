"""E-mail: an outbox written with the action that causes a message, and a sender that delivers it once."""
