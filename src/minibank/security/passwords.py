"""Password hashing with argon2id and the password policy."""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from ..domain.errors import InvalidInput
from ..green import off_loop
from .common_passwords import is_common

MIN_LENGTH = 12
MAX_LENGTH = 256

# OWASP's minimum for argon2id: 19 MiB of memory, two passes, one lane.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


def make_hasher(
    memory_kib: int = OWASP_MEMORY_KIB, time_cost: int = OWASP_TIME_COST, parallelism: int = OWASP_PARALLELISM
) -> PasswordHasher:
    """An argon2id hasher with the given cost, never below OWASP's minimum."""
    return PasswordHasher(
        time_cost=max(time_cost, OWASP_TIME_COST),
        memory_cost=max(memory_kib, OWASP_MEMORY_KIB),
        parallelism=max(parallelism, OWASP_PARALLELISM),
        type=Type.ID,
    )


_hasher = make_hasher()


def configure(*, memory_kib: int, time_cost: int, parallelism: int) -> None:
    """Set the cost of new hashes; older hashes are upgraded at their owner's next login."""
    global _hasher  # noqa: PLW0603 - one hasher for the process, set from the settings at start-up
    _hasher = make_hasher(memory_kib, time_cost, parallelism)


def hash_password(password: str) -> str:
    """The argon2id hash of a password, in PHC string form."""
    return off_loop(_hasher.hash, password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return off_loop(_hasher.verify, stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


class WeakPassword(InvalidInput):
    """This password is too common or too easy to guess; choose another."""

    code = "weak_password"


def check_password_policy(password: object, *, field: str = "password") -> str:
    """Refuse passwords that are not text, too short, too long or too common."""
    if not isinstance(password, str):
        raise InvalidInput("The password must be text.", field=field)
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"Use at least {MIN_LENGTH} characters.", field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"Use at most {MAX_LENGTH} characters.", field=field)
    if is_common(password):
        raise WeakPassword(field=field)
    return password
