"""Messages rendered from templates/mail/: a plain-text and an HTML body per message."""

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a missing value is a bug, not a blank in a customer's mail
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message's subject and its two bodies."""

    subject: str
    text: str
    html: str


def render(template: str, **context) -> Rendered:
    """Render ``template``.txt and ``template``.html; the text's first line is ``Subject: ...``."""
    text = _env.get_template(f"{template}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"templates/mail/{template}.txt must start with a Subject: line")
    subject = first.removeprefix("Subject: ").strip()
    html = _env.get_template(f"{template}.html").render(subject=subject, **context)
    return Rendered(subject=subject, text=body.lstrip("\n"), html=html)
