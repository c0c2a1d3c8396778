"""The schema, as SQLAlchemy Core tables. It changes only through migrations."""

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

# Named constraints so that migrations and error handling can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite has no 64-bit identity of its own beyond INTEGER PRIMARY KEY; this maps both ways.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store UTC; refuse naive datetimes, which would be ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Give back an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("email", String(254), nullable=False),
    Column("name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False, server_default="customer"),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("token_version", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    # When the owner followed the verification link (migration 0010); None until then.
    Column("email_verified_at", UTCDateTime, nullable=True),
    # The roles of security/permissions.py (migration 0013).
    CheckConstraint("role IN ('customer', 'teller', 'supervisor', 'auditor')", name="role"),
    CheckConstraint("status IN ('active', 'disabled')", name="status"),
    CheckConstraint("email = lower(email)", name="email_lower"),
)
Index("uq_users_email", users.c.email, unique=True)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("number", String(10), nullable=False, unique=True),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=True),
    Column("name", String(60), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("balance", BigInteger, nullable=False, server_default="0"),
    Column("status", String(8), nullable=False, server_default="open"),
    Column("kind", String(8), nullable=False, server_default="customer"),
    Column("opened_at", UTCDateTime, nullable=False),
    # A frozen account receives money but cannot send any (domain/transfers.py; migration 0013).
    CheckConstraint("status IN ('open', 'frozen', 'closed')", name="status"),
    CheckConstraint("kind IN ('customer', 'system')", name="kind"),
    CheckConstraint("kind = 'system' OR balance >= 0", name="no_overdraft"),
    CheckConstraint(
        "(kind = 'system' AND owner_id IS NULL) OR (kind = 'customer' AND owner_id IS NOT NULL)",
        name="owner_matches_kind",
    ),
    CheckConstraint("length(number) = 10", name="number_length"),
)
Index("ix_accounts_owner_id", accounts.c.owner_id)
# One "bank cash" account per currency.
Index(
    "uq_accounts_system_currency",
    accounts.c.currency,
    unique=True,
    sqlite_where=accounts.c.kind == "system",
    postgresql_where=accounts.c.kind == "system",
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("source_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("destination_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("memo", String(140), nullable=False, server_default=""),
    Column("initiator_id", Id, ForeignKey("users.id"), nullable=True),
    Column("idempotency_key", String(255), nullable=True),
    Column("request_hash", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("source_id <> destination_id", name="distinct_accounts"),
    CheckConstraint("kind IN ('transfer', 'deposit', 'withdrawal')", name="kind"),
    CheckConstraint("(idempotency_key IS NULL) = (request_hash IS NULL)", name="key_has_hash"),
)
# Partial: most transfers carry no key, and their rows need no entry here (migration 0005).
Index(
    "uq_transfers_idempotency",
    transfers.c.initiator_id,
    transfers.c.idempotency_key,
    unique=True,
    sqlite_where=transfers.c.idempotency_key.is_not(None),
    postgresql_where=transfers.c.idempotency_key.is_not(None),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("transfer_id", Id, ForeignKey("transfers.id"), nullable=False),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount <> 0", name="amount_nonzero"),
    UniqueConstraint("transfer_id", "account_id", name="uq_entries_transfer_account"),
)
# History pages are keyset scans of one account's entries, newest first.
Index("ix_entries_account_id_id", entries.c.account_id, entries.c.id)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("actor_id", Id, nullable=True),
    Column("client_ip", String(45), nullable=True),
    Column("event", String(40), nullable=False),
    Column("object", String(80), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("details", String(1000), nullable=False, server_default="{}"),
    # Filled by the sealer, which chains committed rows in id order.
    Column("seq", BigInteger, nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
)
Index(
    "uq_audit_events_seq",
    audit_events.c.seq,
    unique=True,
    sqlite_where=audit_events.c.seq.is_not(None),
    postgresql_where=audit_events.c.seq.is_not(None),
)
# The sealer's work list: only unsealed events, so it stays small however long the trail grows.
Index(
    "ix_audit_events_unsealed",
    audit_events.c.id,
    sqlite_where=audit_events.c.seq.is_(None),
    postgresql_where=audit_events.c.seq.is_(None),
)


revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_revoked_tokens_expires_at", revoked_tokens.c.expires_at)

# Each customer's outgoing transfers summed per hour (written with each transfer), so
# the rolling 24-hour limit reads at most 25 rows however busy the customer is.
outgoing_totals = Table(
    "outgoing_totals",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("total", BigInteger, nullable=False),
    CheckConstraint("total > 0", name="total_positive"),
)

# Failed-login counts per lockout bucket (security/throttle.py), with their expiry in epoch
# seconds of the throttle's clock: the lockout needs only the database.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    CheckConstraint("count > 0", name="count_positive"),
)
Index("ix_login_failures_expires_at", login_failures.c.expires_at)

# The accounts a customer saved under a name of their own, with what confirmation of payee said
# when they were saved (domain/payees.py).
payees = Table(
    "payees",
    metadata,
    Column("id", Id, primary_key=True),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", String(70), nullable=False),
    Column("account_number", String(10), nullable=False),
    Column("name_check", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("name_check IN ('match', 'close_match', 'no_match')", name="name_check"),
    UniqueConstraint("owner_id", "account_number"),
)

# One row per batch a customer sent (POST /api/v1/transfer-batches), written in the batch's
# own transaction when it moved money: its idempotency key, and the results it answered, as
# JSON (store/batch_rows.py).
transfer_batches = Table(
    "transfer_batches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("mode", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("accepted_count", Integer, nullable=False),
    Column("results", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("mode IN ('atomic', 'independent')", name="mode"),
    CheckConstraint("status IN ('applied', 'partial')", name="status"),
    CheckConstraint("accepted_count BETWEEN 1 AND item_count", name="counts"),
    UniqueConstraint("owner_id", "idempotency_key"),
)

# Messages to send (mail/outbox.py), written in the transaction of the action that causes them;
# the sender claims one by setting status "sending" and a lease in one UPDATE (mail/sender.py).
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", String(200), nullable=False, unique=True),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_error", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status"),
)
Index("ix_mail_outbox_status_next_attempt_at", mail_outbox.c.status, mail_outbox.c.next_attempt_at)

# Single-use links sent by e-mail (services/email_links.py): only the SHA-256 of the token is kept.
email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("purpose", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("purpose IN ('verify', 'reset', 'unlock')", name="purpose"),
)
Index("ix_email_tokens_user_id", email_tokens.c.user_id)

# A user's authenticator app (services/two_factor.py): on only once confirmed with a first code.
# last_step is the time step of the last code accepted, so that no code (nor an older one) counts twice.
totp_credentials = Table(
    "totp_credentials",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("secret", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime, nullable=True),
    Column("last_step", BigInteger, nullable=True),
)

# Ten single-use codes per user for a lost phone: only the SHA-256 of each is kept.
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    UniqueConstraint("user_id", "code_hash"),
)

# One row per login, web or API (services/sessions.py): its tokens carry public_id as "sid".
# Ending one also lists "sid:<public_id>" in revoked_tokens, which the per-request check reads.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("kind", String(4), nullable=False),
    Column("device", String(100), nullable=False),
    Column("client_ip", String(45), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    CheckConstraint("kind IN ('web', 'api')", name="kind"),
)
Index("ix_sessions_user_id_device", sessions.c.user_id, sessions.c.device)
