"""Declare each API operation once: its route, inputs, guards and answers feed both
the request handling and the OpenAPI document.

pydantic does the validation and the JSON Schema; this module only ties them to Flask
routes. Libraries that do this (spectree, flask-openapi3) answer bad input in their own
error format; the bank answers every error as problem+json with its own codes.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint
from pydantic import BaseModel

from ..guards import require_permission, require_token, require_user
from ..security.permissions import Permission
from .params import NoQuery, parse_query

PROBLEM = "Problem"
MAX_ID = 2**63 - 1
_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass
class Operation:
    """One documented API operation."""

    method: str
    path: str
    summary: str
    view: Callable
    body: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | str | None]
    auth: bool
    tag: str
    permission: Permission | None = None
    query: type[BaseModel] | None = None
    path_params: dict[str, dict] = field(default_factory=dict)
    idempotent: bool = False
    idempotency_required: bool = False

    @property
    def statuses(self) -> dict[int, type[BaseModel] | str | None]:
        """Every status the operation can answer: declared ones plus those its inputs and guards imply."""
        # Every route refuses undeclared query parameters (422) and has at least the default rate limit.
        implied = {422: PROBLEM, 429: PROBLEM}
        if self.body is not None:
            implied.update({400: PROBLEM, 413: PROBLEM, 415: PROBLEM})
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            implied[503] = PROBLEM  # every write may meet a lock it cannot get (Busy, with Retry-After)
        if self.auth:
            implied[401] = PROBLEM
        if self.permission is not None:
            implied[403] = PROBLEM
        if self.path_params:
            implied[404] = PROBLEM
        return dict(sorted({**implied, **self.responses}.items()))


OPERATIONS: list[Operation] = []


def operation(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    responses: dict[int, type[BaseModel] | str | None],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    auth: bool = True,
    permission: Permission | None = None,
    session_checked_by_service: bool = False,
    idempotent: bool = False,
    idempotency_required: bool = False,
    tag: str = "bank",
    path_params: dict[str, dict] | None = None,
):
    """Register a view on ``bp`` and record it for the OpenAPI document.

    ``path`` uses OpenAPI's ``{name}`` syntax; ``path_params`` gives each name's JSON
    Schema (default: a string), and integer ones get Flask's bounded int converter.
    The view runs only after the caller passed the declared guard (token, a staff permission;
    with ``session_checked_by_service`` only the token's signature and times here)
    and the query string has no parameter the operation does not declare.
    """
    params = {name: _path_schema((path_params or {}).get(name)) for name in _PATH_PARAM.findall(path)}

    def decorate(view):
        @functools.wraps(view)
        def guarded(**kwargs):
            if permission is not None:
                require_permission(permission)
            elif session_checked_by_service:
                require_token()  # the service checks revocation in its own transaction
            elif auth:
                require_user()
            if query is None:
                parse_query(NoQuery)
            return view(**kwargs)

        bp.add_url_rule(_flask_path(path, params), view.__name__, guarded, methods=[method])
        OPERATIONS.append(
            Operation(
                method,
                (bp.url_prefix or "") + path,
                summary,
                view,
                body,
                responses,
                auth or permission is not None,
                tag,
                permission,
                query,
                params,
                idempotent,
                idempotency_required,
            )
        )
        return guarded

    return decorate


def _path_schema(schema: dict | None) -> dict:
    if schema is None:
        return {"type": "string"}
    if schema.get("type") == "integer":
        return {"minimum": 1, "maximum": MAX_ID, **schema}
    return schema


def _flask_path(path: str, params: dict[str, dict]) -> str:
    def converter(match: re.Match) -> str:
        name = match.group(1)
        if params[name].get("type") == "integer":
            # Out-of-range ids never reach the database (a BIGINT overflow there is a 500).
            return f"<int(min={params[name]['minimum']}, max={params[name]['maximum']}):{name}>"
        return f"<{name}>"

    return _PATH_PARAM.sub(converter, path)
