"""PostgreSQL: a customer transfer or teller move in one database call, when the rule plainly allows it.

The function locks and reads what the transfer rule needs, exactly as the service does
(the customer first, then both accounts lowest id first, each read in its own snapshot
after the lock it depends on), and writes the transfer only if every condition of the
rule holds. Otherwise it writes nothing and returns no row, and the service takes its
ordinary path, where the Python rule decides and words the refusal. So this function
may only ever be stricter than the rule, never looser; tests/integration/test_quick_move.py
checks that on random states.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION minibank_quick_move(
    p_kind text, p_source text, p_destination text, p_amount bigint, p_memo text,
    p_initiator bigint, p_rule_actor bigint, p_key text, p_hash text, p_now timestamptz,
    p_client_ip text, p_hour timestamptz, p_since timestamptz, p_per_transfer bigint, p_daily bigint,
    p_check_session boolean, p_jti text, p_token_version integer
) RETURNS TABLE (transfer_id bigint, currency text, source_owner bigint, destination_owner bigint)
LANGUAGE plpgsql AS $$
DECLARE
    max_minor constant bigint := 9223372036854775807;
    u record;
    a accounts%ROWTYPE;
    s accounts%ROWTYPE;  -- all NULL until found
    d accounts%ROWTYPE;
    sent numeric := 0;
    new_id bigint;
    source_after bigint;
    destination_after bigint;
BEGIN
    IF p_rule_actor IS NOT NULL THEN
        -- Serialises one customer's transfers so the rolling daily limit cannot be raced.
        SELECT users.status, users.token_version INTO u FROM users WHERE users.id = p_rule_actor FOR UPDATE;
        IF NOT FOUND OR (p_check_session AND (u.status <> 'active' OR u.token_version <> p_token_version
                OR EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = p_jti))) THEN
            RETURN;
        END IF;
        IF p_daily IS NOT NULL THEN
            -- A statement of its own: its snapshot is taken after the customer's lock is held.
            SELECT COALESCE(SUM(o.total), 0) INTO sent FROM outgoing_totals o
            WHERE o.user_id = p_rule_actor AND o.hour >= p_since;
        END IF;
    END IF;
    -- Both accounts locked, lowest id first, and read in the same pass.
    FOR a IN SELECT * FROM accounts acc WHERE acc.number IN (p_source, p_destination) ORDER BY acc.id FOR UPDATE LOOP
        IF a.number = p_source THEN
            s := a;
        END IF;
        IF a.number = p_destination THEN
            d := a;
        END IF;
    END LOOP;
    IF p_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM transfers k WHERE k.initiator_id = p_initiator AND k.idempotency_key = p_key
    ) THEN
        RETURN;  -- a replay, or a key reused: the ordinary path answers either
    END IF;
    -- Every condition of the transfer rule (domain/transfers.py) at once. Anything but a
    -- plain "no rule is broken" (a NULL included) leaves the decision to the service.
    IF (s.id IS NULL OR d.id IS NULL
        OR (p_rule_actor IS NOT NULL AND s.owner_id IS DISTINCT FROM p_rule_actor)
        OR s.id = d.id
        OR s.status <> 'open' OR d.status <> 'open'
        OR s.currency <> d.currency
        OR (p_rule_actor IS NOT NULL AND (p_amount > COALESCE(p_per_transfer, max_minor)
                                          OR sent + p_amount > COALESCE(p_daily, max_minor)))
        OR (s.kind = 'customer' AND s.balance < p_amount)
        OR d.balance > max_minor - p_amount OR s.balance < p_amount - max_minor
    ) IS NOT FALSE THEN
        RETURN;
    END IF;
    INSERT INTO transfers (kind, source_id, destination_id, amount, currency, memo, initiator_id,
                           idempotency_key, request_hash, created_at)
    VALUES (p_kind, s.id, d.id, p_amount, s.currency, p_memo, p_initiator, p_key, p_hash, p_now)
    RETURNING id INTO new_id;
    UPDATE accounts SET balance = balance - p_amount WHERE id = s.id RETURNING balance INTO source_after;
    UPDATE accounts SET balance = balance + p_amount WHERE id = d.id RETURNING balance INTO destination_after;
    INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
    VALUES (new_id, s.id, -p_amount, source_after, p_now), (new_id, d.id, p_amount, destination_after, p_now);
    INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details)
    VALUES (p_now, p_initiator, p_client_ip, p_kind, 'transfer:' || new_id, 'success',
            -- The same text the service writes: compact JSON, keys sorted.
            format('{"amount":%s,"currency":%s}', p_amount, to_json(s.currency::text)));
    IF p_kind = 'transfer' THEN
        INSERT INTO outgoing_totals (user_id, hour, total)
        VALUES (p_initiator, p_hour, p_amount)
        ON CONFLICT (user_id, hour) DO UPDATE SET total = outgoing_totals.total + excluded.total;
    END IF;
    RETURN QUERY SELECT new_id, s.currency::text, s.owner_id, d.owner_id;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION minibank_quick_move")
