"""A CSV file of transfers, sent to a running bank as one batch through its API (`minibank send-batch`).

The standard library's csv and urllib are enough for one login and one POST; the command
talks to the bank as the customer does, with their password, never to its database.
"""

import csv
import hashlib
import io
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from .domain.batches import MAX_ITEMS

COLUMNS = ("from_account", "to_account", "amount")
OPTIONAL = ("memo",)
TIMEOUT = 120


class BatchFileError(Exception):
    """The file, the login or the bank refused the batch; the message says why in one line."""


@dataclass(frozen=True)
class Answer:
    """The bank's answer: its HTTP status and body."""

    status: int
    body: dict
    replayed: bool = False


def read_transfers(data: bytes) -> list[dict]:
    """The file's rows as the API's transfer objects; BatchFileError names the first bad row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BatchFileError("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in COLUMNS if column not in header]
    unknown = [column for column in header if column not in COLUMNS + OPTIONAL]
    if missing or unknown:
        raise BatchFileError(
            f"the header must be {','.join(COLUMNS + OPTIONAL)} (memo optional); "
            f"missing {missing or 'nothing'}, unknown {unknown or 'nothing'}"
        )
    transfers = []
    for row in reader:
        if None in row or any(row[column] in (None, "") for column in COLUMNS):
            raise BatchFileError(
                f"row {reader.line_num}: needs from_account, to_account and amount, and no extra cells"
            )
        transfers.append({column: row[column].strip() for column in COLUMNS} | {"memo": (row.get("memo") or "")})
    if not 0 < len(transfers) <= MAX_ITEMS:
        raise BatchFileError(f"a batch holds 1 to {MAX_ITEMS} transfers; the file has {len(transfers)}")
    return transfers


def file_key(data: bytes, mode: str) -> str:
    """The idempotency key of a file: the same file sent again is the same batch, never paid twice."""
    return f"file-{mode}-{hashlib.sha256(data).hexdigest()[:48]}"


def send(base_url: str, *, email: str, password: str, mode: str, key: str, transfers: list[dict]) -> Answer:
    """Log in as the customer and send the batch; the bank's answer to it."""
    login = _call(f"{base_url}/api/v1/auth/token", {"email": email, "password": password}, {})
    if login.status != 200:
        raise BatchFileError(f"login refused: {login.body.get('detail', login.status)}")
    headers = {"Authorization": f"Bearer {login.body['access_token']}", "Idempotency-Key": key}
    return _call(f"{base_url}/api/v1/transfer-batches", {"mode": mode, "transfers": transfers}, headers)


def _call(url: str, body: dict, headers: dict) -> Answer:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            return Answer(response.status, json.loads(response.read()), replayed)
    except urllib.error.HTTPError as error:
        try:
            return Answer(error.code, json.loads(error.read()))
        except ValueError:
            return Answer(error.code, {"detail": error.reason})
    except (urllib.error.URLError, OSError) as error:
        raise BatchFileError(f"cannot reach the bank at {url}: {getattr(error, 'reason', error)}") from None
