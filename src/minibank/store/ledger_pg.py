"""PostgreSQL: a batch's facts in one locking statement, and its writes in one more."""

from datetime import datetime

import orjson

from ..domain.moves import Facts
from .batch_rows import stored_batches
from .driver import pg_array
from .ledger_rows import BatchRows, FactRows, facts_from

# The customers first, then the accounts, each lowest id first: every batch takes its locks in
# the same order, so two batches never wait for each other in a circle. Each customer's lock
# serialises their transfers (the rolling daily limit) and holds their session still while it
# is checked; everything after it is read once the locks are held.
_READ = """
WITH u AS (SELECT id, status, token_version FROM users WHERE id = ANY(%(users)s::bigint[]) ORDER BY id FOR UPDATE),
a AS (SELECT id, number, owner_id, currency, status, kind, balance FROM accounts
      WHERE number = ANY(%(numbers)s::text[]) ORDER BY id FOR UPDATE)
SELECT
  (SELECT COALESCE(json_agg(json_build_array(id, status, token_version)), '[]')::text FROM u),
  (SELECT COALESCE(json_agg(json_build_array(id, number, owner_id, currency, status, kind, balance)), '[]')::text FROM a),
  (SELECT COALESCE(json_agg(jti), '[]')::text FROM revoked_tokens WHERE jti = ANY(%(jtis)s::text[])),
  (SELECT COALESCE(json_agg(json_build_array(user_id, total)), '[]')::text FROM (
      SELECT user_id, SUM(total) AS total FROM outgoing_totals
      WHERE user_id = ANY(%(users)s::bigint[]) AND hour >= %(since)s GROUP BY user_id) o),
  (SELECT COALESCE(json_agg(json_build_array(t.initiator_id, t.idempotency_key, t.request_hash, t.id, t.kind,
      s.number, d.number, t.amount, t.currency, t.memo, t.created_at, s.owner_id, d.owner_id)), '[]')::text
   FROM unnest(%(key_actors)s::bigint[], %(keys)s::text[]) AS k(actor, key)
   JOIN transfers t ON t.idempotency_key = k.key AND t.initiator_id IS NOT DISTINCT FROM k.actor
   JOIN accounts s ON s.id = t.source_id JOIN accounts d ON d.id = t.destination_id),
  (SELECT COALESCE(array_agg(nextval((SELECT pg_get_serial_sequence('transfers', 'id')::regclass))), '{}')
   FROM generate_series(1, %(ids)s))
"""

# Every accepted move's transfer, both entries, its audit row and the customer's hourly total;
# the balances by their summed change; the refusals' audit rows; each customer's batch and its
# audit row (after its transfers', as the batch's event follows them). The transfers' ids were drawn
# by the read (one per move: those of refused moves are left unused, as a rollback would), so
# nothing needs to come back and the statement goes out with the COMMIT in one round trip.
# Entries are numbered in the moves' order, as each account's running balance is read in entry order.
_WRITE = """
WITH m AS (
  SELECT * FROM json_to_recordset(%(moves)s::json) AS m(kind text, source bigint, destination bigint, amount bigint,
      currency text, memo text, actor bigint, key text, hash text, client_ip text, source_after bigint,
      destination_after bigint, details text, customer bigint, id bigint, ord bigint)),
nb AS (
  SELECT * FROM json_to_recordset(%(batches)s::json) AS n(id bigint, owner_id bigint, key text, hash text, mode text,
      status text, items integer, accepted integer, results text, client_ip text, details text)),
t AS (
  INSERT INTO transfers (id, kind, source_id, destination_id, amount, currency, memo, initiator_id,
      idempotency_key, request_hash, created_at)
  SELECT m.id, m.kind, m.source, m.destination, m.amount, m.currency, m.memo, m.actor, m.key, m.hash, %(now)s FROM m),
b AS (
  UPDATE accounts SET balance = accounts.balance + c.delta
  FROM unnest(%(changed)s::bigint[], %(delta)s::bigint[]) AS c(id, delta) WHERE accounts.id = c.id),
e AS (
  INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
  SELECT m.id, side.account, side.amount, side.after, %(now)s FROM m
  CROSS JOIN LATERAL (VALUES (1, m.source, -m.amount, m.source_after), (2, m.destination, m.amount, m.destination_after))
    AS side(n, account, amount, after)
  ORDER BY ord, side.n),
au AS (
  INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details)
  SELECT %(now)s, m.actor, m.client_ip, m.kind, 'transfer:' || m.id, 'success', m.details FROM m
  UNION ALL
  SELECT %(now)s, r.actor, r.client_ip, r.event, r.object, 'refused', r.details
  FROM unnest(%(refused_actor)s::bigint[], %(refused_ip)s::text[], %(refused_event)s::text[],
      %(refused_object)s::text[], %(refused_details)s::text[]) AS r(actor, client_ip, event, object, details)
  UNION ALL
  SELECT %(now)s, nb.owner_id, nb.client_ip, 'transfer_batch', 'transfer_batch:' || nb.id, 'success', nb.details
  FROM nb),
tb AS (
  INSERT INTO transfer_batches (id, owner_id, idempotency_key, request_hash, mode, status, item_count, accepted_count,
      results, created_at)
  SELECT id, owner_id, key, hash, mode, status, items, accepted, results, %(now)s FROM nb),
o AS (
  INSERT INTO outgoing_totals (user_id, hour, total)
  SELECT customer, %(hour)s, SUM(amount) FROM m WHERE customer IS NOT NULL GROUP BY customer
  ON CONFLICT (user_id, hour) DO UPDATE SET total = outgoing_totals.total + excluded.total)
SELECT 1
"""


# With customers' batches: those stored under the keys asked for, and a new id for each batch
# being decided, as two more columns of the same statement (one statement is one wait less).
_READ_ORDERS = (
    _READ.rstrip()
    + """,
  (SELECT COALESCE(json_agg(json_build_array(b.owner_id, b.idempotency_key, b.request_hash, b.id, b.mode, b.status,
      b.created_at, b.results)), '[]')::text
   FROM unnest(%(batch_owners)s::bigint[], %(batch_keys)s::text[]) AS k(owner, key)
   JOIN transfer_batches b ON b.owner_id = k.owner AND b.idempotency_key = k.key),
  (SELECT array_agg(nextval((SELECT pg_get_serial_sequence('transfer_batches', 'id')::regclass)))
   FROM generate_series(1, %(batch_count)s))
"""
)

# A dry run's read (the confirm step's check): the same facts, no locks taken, no ids drawn.
_PEEK = _READ.replace(" FOR UPDATE", "")


def read_facts(conn, rows: FactRows, *, lock: bool = True) -> tuple[Facts, list[int], list[int]]:
    """Lock and read what the batch's rule needs, and draw an id for each move and each customer's batch.

    ``lock`` False: only read (a dry run names no customer's batch).
    """
    params = {
        "users": pg_array(rows.users),
        "numbers": pg_array(rows.numbers),
        "jtis": pg_array(rows.jtis),
        "since": rows.since,
        "key_actors": pg_array([actor for actor, _ in rows.keys]),
        "keys": pg_array([key for _, key in rows.keys]),
        "ids": rows.moves if lock else 0,
    }
    if rows.new_batches:
        statement = _READ_ORDERS
        params.update(
            batch_owners=pg_array([owner for owner, _ in rows.batches]),
            batch_keys=pg_array([key for _, key in rows.batches]),
            batch_count=rows.new_batches,
        )
    else:
        statement = _READ if lock else _PEEK
    # The facts come as JSON text: orjson reads it several times faster than psycopg's json.loads.
    users, accounts, revoked, sent, stored, ids, *orders = conn.cursor().execute(statement, params).fetchone()
    facts = facts_from(
        users=orjson.loads(users),
        accounts=orjson.loads(accounts),
        revoked=orjson.loads(revoked),
        sent=orjson.loads(sent),
        stored=orjson.loads(stored),
        read_time=_time,
    )
    batch_ids: list[int] = []
    if orders:
        batches, batch_ids = orders
        facts.batches = stored_batches(orjson.loads(batches))
    return facts, ids, batch_ids


# The accepted moves go as one JSON parameter, an object per move built in one pass: PostgreSQL
# parses it in C, where turning a dozen Python lists into array parameters cost more than the statement.
def write(conn, rows: BatchRows, ids: list[int], batches: list[dict]) -> None:
    """Write the batch, the accepted moves under ``ids`` and the customers' batches, in one statement.

    It goes out with the COMMIT that follows: a statement more in the pipeline is a wait more
    for the leader, under gevent, while it holds the batch's row locks.
    """
    changed, delta = rows.balance_changes()
    small = {name: pg_array(values) for name, values in rows.refusal_columns().items()}
    stored = [{name: value for name, value in batch.items() if name != "now"} for batch in batches]
    conn.cursor().execute(
        _WRITE,
        {
            **small,
            "changed": pg_array(changed),
            "delta": pg_array(delta),
            "moves": orjson.dumps(rows.move_rows(ids)).decode(),
            "batches": orjson.dumps(stored).decode(),
            "now": rows.now,
            "hour": rows.hour,
        },
    )


def _time(value: str) -> datetime:
    # json_agg writes timestamptz as ISO text with its offset.
    return datetime.fromisoformat(value)
