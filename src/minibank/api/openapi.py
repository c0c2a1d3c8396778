"""The OpenAPI 3.1 document, generated from the registered operations and their pydantic models."""

from functools import cache

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ..security.permissions import ROLES, allows
from .idempotency import KEY_HEADER, KEY_SCHEMA, REPLAYED_HEADER
from .registry import OPERATIONS, PROBLEM, Operation
from .schemas import Problem

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed JSON",
    401: "No valid access token",
    403: "Your role does not allow this",
    404: "Not found, or not yours",
    409: "Conflict",
    413: "Request body too large",
    415: "Send application/json",
    422: "Invalid input or refused by a business rule",
    429: "Too many requests",
    503: "Busy; try again",
}


@cache
def document() -> dict:
    """The whole OpenAPI document (built once per process: operations register at import)."""
    models = _models()
    refs, definitions = models_json_schema(list(models), ref_template=REF)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "miniBank API",
            "version": "1.0.0",
            "description": 'Amounts are decimal strings ("12.34"). Errors are application/problem+json '
            "(RFC 9457) with a stable `code`. Authenticate with `Authorization: Bearer <token>` from "
            "POST /api/v1/auth/token.",
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _models() -> dict[tuple[type[BaseModel], JsonSchemaMode], None]:
    models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Problem, "serialization"): None}
    for op in OPERATIONS:
        if op.body is not None:
            models[(op.body, "validation")] = None
        for answer in op.statuses.values():
            if isinstance(answer, type):
                models[(answer, "serialization")] = None
    return models


def _operation(op: Operation, refs: dict) -> dict:
    spec = {
        "operationId": op.view.__name__,
        "summary": op.summary,
        "description": _description(op),
        "tags": [op.tag],
        "security": [{"bearerAuth": []}] if op.auth else [],
        "parameters": _parameters(op),
        "responses": {str(status): _response(op, status, answer, refs) for status, answer in op.statuses.items()},
    }
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    return spec


def _parameters(op: Operation) -> list[dict]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": schema} for name, schema in op.path_params.items()
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(mode="validation")
        required = set(schema.get("required", []))
        for name, raw in schema["properties"].items():
            prop = _without_null(raw)
            description = prop.pop("description", None)
            prop.pop("title", None)
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
    if op.idempotent:
        params.append(
            {
                "name": KEY_HEADER,
                "in": "header",
                "required": op.idempotency_required,
                "schema": KEY_SCHEMA,
                "description": "The only safe way to retry a write: the same key with the same body answers "
                "with the first result instead of moving money again; with a different body, 409. Keys are per user "
                "and kept for good (never reused). Send one with every transfer: after a 503 `outcome_unknown` or a "
                "lost connection, a retry without the key may move the money twice.",
            }
        )
    return params


def _without_null(prop: dict) -> dict:
    """A query parameter is absent rather than null: drop the null branch pydantic adds."""
    options = [option for option in prop.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        prop = {**{k: v for k, v in prop.items() if k not in ("anyOf", "default")}, **options[0]}
    return dict(prop)


def _response(op: Operation, status: int, answer, refs: dict) -> dict:
    response: dict = {"description": _STATUS_TEXT.get(status, "")}
    if answer == PROBLEM:
        response["content"] = {PROBLEM_JSON: {"schema": {"$ref": REF.format(model=PROBLEM)}}}
    elif isinstance(answer, type):
        response["content"] = {"application/json": {"schema": refs[(answer, "serialization")]}}
    headers: dict[str, dict[str, object]] = {}
    if status == 201 and op.idempotent:
        headers[REPLAYED_HEADER] = {
            "description": "true when this is the stored answer to an earlier request with the same key",
            "schema": {"type": "string", "enum": ["true"]},
        }
    if status in (429, 503):
        headers["Retry-After"] = {
            "description": "Seconds to wait",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    if headers:
        response["headers"] = headers
    return response


def _description(op) -> str:
    """The view's docstring, and the permission a staff operation needs (security/permissions.py)."""
    text = (op.view.__doc__ or "").strip()
    if op.permission is None:
        return text
    roles = ", ".join(role for role in ROLES if allows(role, op.permission))
    return f"{text}\n\nNeeds the permission `{op.permission.value}` (roles: {roles}); others get 403."
