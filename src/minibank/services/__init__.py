"""Use cases: each function takes plain values and owns its transaction."""
