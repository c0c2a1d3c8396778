"""Flask's JSON answers written by orjson: the same values, in a fraction of the time."""

import orjson
from flask.json.provider import DefaultJSONProvider

# Times and dataclasses go through Flask's own default, as they did; keys sorted as Flask sorts them.
_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
# What Flask's response() asks for out of debug mode: orjson's own compact output.
_COMPACT = {"separators": (",", ":")}


class OrjsonProvider(DefaultJSONProvider):
    """Flask's default provider, its compact ``dumps`` done by orjson (text other than ASCII as itself, in UTF-8)."""

    def dumps(self, obj, **kwargs) -> str:
        """``obj`` as JSON text; what orjson cannot write (an integer past 64 bits) goes through Flask's own."""
        if kwargs and kwargs != _COMPACT:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:
            return super().dumps(obj, **kwargs)
