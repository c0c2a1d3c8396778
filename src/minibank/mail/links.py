"""What a service needs to put a link in a message: the bank's public address and the links' lifetimes."""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True, slots=True)
class Links:
    """Where links point (MINIBANK_PUBLIC_URL, never a request's Host) and how long they last, in seconds."""

    public_url: str = "http://localhost:5000"
    verify_ttl: int = 24 * 3600
    reset_ttl: int = 900

    def url(self, path: str, **query: str) -> str:
        """An absolute link to ``path`` on the bank, with ``query``."""
        return f"{self.public_url}{path}" + (f"?{urlencode(query)}" if query else "")

    @property
    def domain(self) -> str:
        """The host name, for Message-IDs."""
        return urlsplit(self.public_url).hostname or "minibank.localhost"
