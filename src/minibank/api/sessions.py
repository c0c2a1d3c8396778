"""API sessions: list the caller's, end one, end every other."""

from flask import current_app, g, request

from ..extensions import db
from ..guards import current_user
from ..services import sessions
from . import bp
from .registry import PROBLEM, operation
from .schemas import SessionList, SessionOut, SessionsEndedOut

SESSION_ID = {"type": "string", "minLength": 16, "maxLength": 32, "pattern": "^[A-Za-z0-9_-]+$"}


@operation(bp, "GET", "/sessions", summary="List my sessions", tag="sessions", responses={200: SessionList})
def list_sessions():
    """The caller's active sessions (web logins and API tokens), most recently used first."""
    this = g.claims.session_id
    items = [
        SessionOut(
            id=item.id,
            kind=item.kind,  # type: ignore[arg-type]  # the table's CHECK holds it to web or api
            device=item.device,
            client_ip=item.client_ip,
            created_at=item.created_at,
            last_used_at=item.last_used_at,
            current=item.id == this,
        ).model_dump(mode="json")
        for item in sessions.list_active(db, user_id=current_user().id, token_ttl=current_app.config["TOKEN_TTL"])
    ]
    return {"items": items}, 200


@operation(
    bp, "DELETE", "/sessions/{session_id}", summary="Sign out one of my sessions", tag="sessions",
    path_params={"session_id": SESSION_ID}, responses={204: None, 404: PROBLEM},
)  # fmt: skip
def end_session(session_id: str):
    """End one of the caller's sessions: every token of it is refused at once (another's is a 404)."""
    sessions.end(db, user_id=current_user().id, session_id=session_id, client_ip=request.remote_addr)
    return "", 204


@operation(
    bp, "DELETE", "/sessions", summary="Sign out all my other sessions", tag="sessions",
    responses={200: SessionsEndedOut},
)  # fmt: skip
def end_other_sessions():
    """End every session of the caller's but this request's own; how many ended."""
    ended = sessions.end_others(db, user_id=current_user().id, keep=g.claims.session_id, client_ip=request.remote_addr)
    return SessionsEndedOut(ended=ended).model_dump(mode="json"), 200
