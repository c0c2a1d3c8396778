"""Pure banking rules: no Flask, no SQLAlchemy, no I/O."""
