"""Settings from MINIBANK_* environment variables, checked once at start-up."""

import hashlib
import ipaddress
import math
import os
import re
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .domain.errors import InvalidAmount
from .domain.money import parse_amount
from .mail.transport import SMTP_URL_FORMS, parse_smtp_url

MIN_SECRET_BYTES = 32
# A production secret must also look random: at least this many bits by the Shannon estimate of
# its characters (length x bits per character), and this many per character. The estimate
# undercounts short random text (the 32 hex digits of secrets.token_hex(16) measure 2.8 to 4
# bits each): no output of token_hex(16), token_urlsafe(24) or longer falls below these floors,
# while a run of one character or a text of a few characters does.
MIN_SECRET_BITS = 80
MIN_SECRET_BITS_PER_CHAR = 2.5
_PLACEHOLDERS = re.compile(
    "change[-_ ]?me|changeit|secret|passw(or)?d|example|placeholder|default|dummy|sample|insecure|letmein|qwerty"
    "|12345|abcdef|xxxx|todo|fixme|minibank",
    re.IGNORECASE,
)
_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
MAX_WORKERS = 64
MAX_THREADS = 64
DEVELOPMENT_POOL_SIZE = 5
# Failed logins: per (e-mail, address); per address across e-mails; per e-mail across addresses
# (this last one holds back only addresses that have failed for the e-mail: see security/throttle.py).
DEFAULT_LOCKOUT = "5 per 5 minutes; 10 per hour; 20 per day"
DEFAULT_LOCKOUT_ADDRESS = "20 per 5 minutes; 60 per hour; 100 per day"
DEFAULT_LOCKOUT_EMAIL = "10 per 15 minutes; 20 per hour; 50 per day"
_CURRENCY = re.compile(r"[A-Z]{3}")
_DRIVERS = ("postgresql+psycopg", "sqlite", "sqlite+pysqlite")
_URL_FORMS = "use postgresql+psycopg://USER:PASSWORD@HOST:5432/NAME or sqlite:////ABSOLUTE/PATH.db"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def load(environ: dict[str, str], instance_path: str) -> dict:
    """Build the Flask config mapping from the environment, refusing bad values."""
    env = environ.get("MINIBANK_ENV", "development")
    if env not in ("development", "production"):
        raise ConfigError("MINIBANK_ENV must be 'development' or 'production'")
    production = env == "production"
    secret = _secret_key(environ.get("MINIBANK_SECRET_KEY"), production, instance_path)
    threads = _int(environ, "MINIBANK_THREADS", 1, low=1, high=MAX_THREADS)
    settings = {
        "ENV_NAME": env,
        "PRODUCTION": production,
        "SECRET_KEY": secret,
        "DATABASE_URL": _database_url(environ.get("MINIBANK_DATABASE_URL"))
        or f"sqlite:///{Path(instance_path) / 'minibank.db'}",
        # An optional PostgreSQL replica for history, statements and the dashboard (store/replica.py).
        "DATABASE_REPLICA_URL": _replica_url(environ.get("MINIBANK_DATABASE_REPLICA_URL")),
        "REPLICA_MAX_LAG_MS": _int(environ, "MINIBANK_REPLICA_MAX_LAG_MS", 1000, low=0, high=600_000),
        "JWT_KEYS": _jwt_keys(environ.get("MINIBANK_JWT_KEYS"), secret, production),
        "REDIS_URL": environ.get("MINIBANK_REDIS_URL") or None,
        # Each Redis call's deadline: a slow or frozen Redis costs a request at most this long.
        "REDIS_TIMEOUT_MS": _int(environ, "MINIBANK_REDIS_TIMEOUT_MS", 300, low=10, high=10_000),
        "PER_PROCESS_LIMITS": _bool(environ, "MINIBANK_PER_PROCESS_LIMITS", False),
        "RATELIMIT_KEY_PREFIX": environ.get("MINIBANK_REDIS_PREFIX", "minibank"),
        "CURRENCY": _currency(environ.get("MINIBANK_CURRENCY", "USD")),
        "TIMEZONE": _timezone(environ.get("MINIBANK_TIMEZONE", "UTC")),
        "TRANSFER_MAX": _amount(environ, "MINIBANK_TRANSFER_MAX", "10000.00"),
        "DAILY_TRANSFER_MAX": _amount(environ, "MINIBANK_DAILY_TRANSFER_MAX", "50000.00"),
        "RATELIMIT_ENABLED": _bool(environ, "MINIBANK_RATELIMIT_ENABLED", True),
        "RATELIMIT_DEFAULT": _limit(environ, "MINIBANK_RATELIMIT_DEFAULT", "300 per minute"),
        "RATELIMIT_LOGIN": _limit(environ, "MINIBANK_RATELIMIT_LOGIN", "5 per minute"),
        "RATELIMIT_TRANSFER": _limit(environ, "MINIBANK_RATELIMIT_TRANSFER", "60 per minute"),
        "RATELIMIT_BATCH": _limit(environ, "MINIBANK_RATELIMIT_BATCH", "10 per minute"),
        # Confirmation of payee shows a holder's name on a close match: bounded per customer.
        "RATELIMIT_PAYEE_CHECK": _limit(environ, "MINIBANK_RATELIMIT_PAYEE_CHECK", "30 per hour"),
        "LOGIN_LOCKOUT": _limit(environ, "MINIBANK_LOGIN_LOCKOUT", DEFAULT_LOCKOUT),
        "LOGIN_LOCKOUT_ADDRESS": _limit(environ, "MINIBANK_LOGIN_LOCKOUT_ADDRESS", DEFAULT_LOCKOUT_ADDRESS),
        "LOGIN_LOCKOUT_EMAIL": _limit(environ, "MINIBANK_LOGIN_LOCKOUT_EMAIL", DEFAULT_LOCKOUT_EMAIL),
        "TOKEN_TTL": _int(environ, "MINIBANK_TOKEN_TTL", 900, low=30, high=86400),
        "SESSION_MAX_AGE": _int(environ, "MINIBANK_SESSION_MAX_AGE", 12 * 3600, low=60, high=7 * 86400),
        "MAX_CONTENT_LENGTH": _int(environ, "MINIBANK_MAX_BODY_BYTES", 64 * 1024, low=1024, high=10 * 2**20),
        # A batch of a thousand transfers, as POST /api/v1/transfer-batches takes it.
        "MAX_BATCH_BODY_BYTES": _int(environ, "MINIBANK_MAX_BATCH_BODY_BYTES", 512 * 1024, low=1024, high=10 * 2**20),
        "ARGON2_MEMORY_KIB": _int(environ, "MINIBANK_ARGON2_MEMORY_KIB", 19 * 1024, low=19 * 1024, high=2**21),
        "ARGON2_TIME_COST": _int(environ, "MINIBANK_ARGON2_TIME_COST", 2, low=2, high=20),
        "ARGON2_PARALLELISM": _int(environ, "MINIBANK_ARGON2_PARALLELISM", 1, low=1, high=16),
        "PROXY_COUNT": _int(environ, "MINIBANK_PROXY_COUNT", 0, low=0, high=10),
        "METRICS_ALLOW": _networks(environ, "MINIBANK_METRICS_ALLOW", "127.0.0.0/8,::1/128"),
        "METRICS_TOKEN": _metrics_token(environ.get("MINIBANK_METRICS_TOKEN") or None, production),
        "AUDIT_SEALER": _bool(environ, "MINIBANK_AUDIT_SEALER", True),
        # E-mail (mail/): SMTP when set, else .eml files in the instance folder's mail/.
        "SMTP_URL": _smtp_url(environ.get("MINIBANK_SMTP_URL") or None),
        "MAIL_FROM": _mail_from(environ.get("MINIBANK_MAIL_FROM", "miniBank <no-reply@minibank.localhost>")),
        "MAIL_DIR": str(Path(instance_path) / "mail"),
        "MAIL_SENDER": _bool(environ, "MINIBANK_MAIL_SENDER", True),
        # The address the bank's links in e-mails start with; never taken from a request's Host.
        "PUBLIC_URL": _public_url(environ.get("MINIBANK_PUBLIC_URL", "http://localhost:5000")),
        "REQUIRE_VERIFIED_EMAIL": _bool(environ, "MINIBANK_REQUIRE_VERIFIED_EMAIL", False),
        "EMAIL_VERIFY_TTL": _int(environ, "MINIBANK_EMAIL_VERIFY_TTL", 24 * 3600, low=300, high=30 * 86400),
        "PASSWORD_RESET_TTL": _int(environ, "MINIBANK_PASSWORD_RESET_TTL", 900, low=60, high=86400),
        "RATELIMIT_PASSWORD_RESET": _limit(environ, "MINIBANK_RATELIMIT_PASSWORD_RESET", "5 per 15 minutes"),
        "RATELIMIT_PASSWORD_RESET_EMAIL": _limit(environ, "MINIBANK_RATELIMIT_PASSWORD_RESET_EMAIL", "5 per hour"),
        "WORKERS": _int(environ, "MINIBANK_WORKERS", default_workers(), low=1, high=MAX_WORKERS),
        "THREADS": threads,
        "WORKER_CONNECTIONS": _int(environ, "MINIBANK_WORKER_CONNECTIONS", 1000, low=1, high=100_000),
        "DB_POOL_SIZE": pool_size(
            environ,
            threads=threads,
            production=production,
            sealer=_bool(environ, "MINIBANK_AUDIT_SEALER", True),
            mailer=_bool(environ, "MINIBANK_MAIL_SENDER", True),
        ),
        # Deadlines on PostgreSQL's waits (store/deadlines.py): a row held elsewhere costs a request
        # at most the lock deadline, then 503; 0 turns one off.
        "DB_LOCK_TIMEOUT_MS": _int(environ, "MINIBANK_DB_LOCK_TIMEOUT_MS", 2000, low=0, high=600_000),
        "DB_STATEMENT_TIMEOUT_MS": _int(environ, "MINIBANK_DB_STATEMENT_TIMEOUT_MS", 15_000, low=0, high=3_600_000),
        # Admission control (ops/admission.py): requests each process serves at once, and how long
        # one may wait for a slot before it is answered 503 with Retry-After.
        "MAX_IN_FLIGHT": _int(environ, "MINIBANK_MAX_IN_FLIGHT", 64, low=1, high=10_000),
        "QUEUE_WAIT_MS": _int(environ, "MINIBANK_QUEUE_WAIT_MS", 1000, low=0, high=60_000),
        "GRACEFUL_TIMEOUT": _int(environ, "MINIBANK_GRACEFUL_TIMEOUT", 30, low=1, high=600),
    }
    check_shared_limits(settings)
    return settings


def check_shared_limits(settings) -> None:
    """Refuse production with several workers and no Redis: each would count rate limits alone.

    (Login lockouts count in the database, shared by every worker whatever this says.)

    Called on the loaded settings and again by `minibank serve`, whose --workers comes later.
    """
    workers = settings["WORKERS"]
    if settings["PRODUCTION"] and workers > 1 and not settings["REDIS_URL"] and not settings["PER_PROCESS_LIMITS"]:
        raise ConfigError(
            f"MINIBANK_REDIS_URL is unset but {workers} workers would each count rate limits "
            "alone: set MINIBANK_REDIS_URL, run one worker, or accept that with MINIBANK_PER_PROCESS_LIMITS=true"
        )


def default_workers() -> int:
    """gunicorn's rule of thumb: two workers per core plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def pool_size(environ: dict[str, str], *, threads: int, production: bool, sealer: bool, mailer: bool = False) -> int:
    """Connections each process keeps: MINIBANK_DB_POOL_SIZE, else one per request thread, the sealer and the mailer."""
    # Werkzeug's development server starts a thread per request, however many: no count to follow.
    # A connection beyond the pool is closed when returned: a sealer without one of its own
    # would open a fresh PostgreSQL session every second.
    default = threads + int(sealer) + int(mailer) if production else DEVELOPMENT_POOL_SIZE
    return _int(environ, "MINIBANK_DB_POOL_SIZE", default, low=1, high=200)


def weakness(value: str) -> str | None:
    """Why ``value`` (already long enough) is unfit for a production secret, or None when it looks random."""
    for period in range(1, len(value) // 2 + 1):
        if value[period:] == value[:-period]:
            return "is a shorter text repeated"
    # Placeholder words count for nothing; what is left must still look random.
    rest, placeholder = _PLACEHOLDERS.subn("", value)
    if _bits_per_char(rest) < MIN_SECRET_BITS_PER_CHAR or _bits_per_char(rest) * len(rest) < MIN_SECRET_BITS:
        return "contains a placeholder word" if placeholder else "is not random enough"
    return None


def _bits_per_char(text: str) -> float:
    """Shannon entropy of the text's characters: an upper bound on what a guesser must cover."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def _strong(name: str, value: str) -> str:
    reason = weakness(value)
    if reason:
        raise ConfigError(f"{name} {reason}: use at least {MIN_SECRET_BYTES} random bytes ({_MAKE_ONE})")
    return value


def _secret_key(value: str | None, production: bool, instance_path: str) -> str:
    if value:
        if production and len(value.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"MINIBANK_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")
        return _strong("MINIBANK_SECRET_KEY", value) if production else value
    if production:
        raise ConfigError("MINIBANK_SECRET_KEY is required in production")
    return _instance_secret(Path(instance_path) / "secret_key")


def _instance_secret(path: Path) -> str:
    """Read the development secret, generating it once with owner-only permissions."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def _jwt_keys(value: str | None, secret: str, production: bool) -> list[tuple[str, str]]:
    if not value:
        # Derived so that a key is never the raw session secret itself.
        return [("k0", hashlib.sha256(b"minibank-jwt:" + secret.encode()).hexdigest())]
    keys: list[tuple[str, str]] = []
    for item in value.split(","):
        kid, sep, key = item.strip().partition(":")
        if not sep or not kid or not key:
            raise ConfigError("MINIBANK_JWT_KEYS must look like 'kid:secret,kid2:secret2'")
        if kid in (known for known, _ in keys):
            raise ConfigError(f"MINIBANK_JWT_KEYS: kid {kid!r} appears twice; each key needs a kid of its own")
        if production and len(key.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"MINIBANK_JWT_KEYS: key {kid!r} is shorter than {MIN_SECRET_BYTES} bytes")
        if production and key == secret:
            raise ConfigError(f"MINIBANK_JWT_KEYS: key {kid!r} is MINIBANK_SECRET_KEY itself; give it its own")
        if production:
            _strong(f"MINIBANK_JWT_KEYS: key {kid!r}", key)
        keys.append((kid, key))
    return keys


@lru_cache(maxsize=8)
def parse_networks(value: str) -> tuple:
    """Comma-separated CIDRs ("127.0.0.0/8,::1/128") as ip_network objects."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


def _parsed(environ: dict[str, str], name: str, default: str, parse, expected: str) -> str:
    """The variable's text once ``parse`` accepts it; a ValueError refuses it."""
    value = environ.get(name, default)
    try:
        parse(value)
    except ValueError:
        raise ConfigError(f"{name} must be {expected}") from None
    return value


def _networks(environ: dict[str, str], name: str, default: str) -> str:
    return _parsed(environ, name, default, parse_networks, f"comma-separated networks such as {default}")


def _metrics_token(value: str | None, production: bool) -> str | None:
    if value is not None and production and len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"MINIBANK_METRICS_TOKEN must be at least {MIN_SECRET_BYTES} bytes")
    return _strong("MINIBANK_METRICS_TOKEN", value) if value is not None and production else value


def _database_url(value: str | None, name: str = "MINIBANK_DATABASE_URL", drivers=None) -> str | None:
    """The URL when the bank can use it; never echoed, as it may hold a password."""
    if not value:
        return None
    forms = _URL_FORMS if drivers is None else "postgresql+psycopg://..."
    try:
        drivername = make_url(value).drivername
    except ArgumentError:
        raise ConfigError(f"{name} is not a database URL: {forms}") from None
    if drivername not in (drivers or _DRIVERS):
        raise ConfigError(f"{name}: {drivername}:// is not one the bank runs on: {forms}")
    return value


def _replica_url(value: str | None) -> str | None:
    """A replica is PostgreSQL's (SQLite has none)."""
    return _database_url(value, "MINIBANK_DATABASE_REPLICA_URL", drivers=("postgresql+psycopg",))


def _smtp_url(value: str | None) -> str | None:
    """The URL when it parses; the reason, never the URL (it may hold a password)."""
    if value is None:
        return None
    try:
        parse_smtp_url(value)
    except ValueError as error:
        raise ConfigError(f"MINIBANK_SMTP_URL: {error}; use {SMTP_URL_FORMS}") from None
    return value


def _mail_from(value: str) -> str:
    from email.headerregistry import Address
    from email.utils import parseaddr

    _, address = parseaddr(value)
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        address = ""
    if "@" not in address or "\n" in value or "\r" in value:
        raise ConfigError("MINIBANK_MAIL_FROM must be an address such as 'miniBank <no-reply@bank.example>'")
    return value


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError("MINIBANK_PUBLIC_URL must be the bank's address such as https://bank.example")
    return value.rstrip("/")


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("MINIBANK_TIMEZONE must be an IANA time zone such as Europe/Berlin or UTC") from None
    return value


def _currency(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise ConfigError("MINIBANK_CURRENCY must be a three-letter ISO 4217 code such as USD")
    return value


def _amount(environ: dict[str, str], name: str, default: str) -> int:
    try:
        return parse_amount(environ.get(name, default))
    except InvalidAmount:
        raise ConfigError(f"{name} must be a positive amount such as {default}") from None


def _bool(environ: dict[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false")


def _limit(environ: dict[str, str], name: str, default: str) -> str:
    return _parsed(environ, name, default, parse_many, f"a rate limit such as '{default}'")


def _int(environ: dict[str, str], name: str, default: int, *, low: int, high: int) -> int:
    value = environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}")
    return number
