"""Extensions, created unbound here and bound to the app in create_app."""

from .db import Database

db = Database()
