"""Declare each API operation once: its route, body model and answers feed both
validation and the OpenAPI document.

pydantic does the validation and the JSON Schema; this module only ties them to Flask
routes. Libraries that do this (spectree, flask-openapi3) answer bad input in their own
error format; the bank answers every error as problem+json with its own codes.
"""

from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint
from pydantic import BaseModel

PROBLEM = "Problem"


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
    params: list[dict] = field(default_factory=list)
    headers: dict[int, dict] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    responses: dict[int, type[BaseModel] | str | None],
    body: type[BaseModel] | None = None,
    auth: bool = True,
    tag: str = "bank",
    params: list[dict] | None = None,
    headers: dict[int, dict] | None = None,
):
    """Register a view on ``bp`` and record it for the OpenAPI document.

    ``path`` uses OpenAPI's ``{name}`` syntax; Flask's converters are derived from it.
    """

    def decorate(view):
        flask_path = path.replace("{", "<").replace("}", ">")
        bp.add_url_rule(flask_path, view.__name__, view, methods=[method])
        prefix = bp.url_prefix or ""
        OPERATIONS.append(
            Operation(method, prefix + path, summary, view, body, responses, auth, tag, params or [], headers or {})
        )
        return view

    return decorate
