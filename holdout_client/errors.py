"""The client's failures; cli.main turns each into an exit code and one line on stderr."""
from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


class ClientError(Exception):
    """Anything the user can fix; the message is the whole story."""


class ApiError(ClientError):
    """The server answered with an HTTP error; `body` is its JSON (or a stand-in)."""

    def __init__(self, status: int, body: dict):
        self.status = status
        self.body = body
        super().__init__(body.get("message") or body.get("error") or f"HTTP {status}")
