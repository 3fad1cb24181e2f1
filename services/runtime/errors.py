"""The errors a use case raises, one set for every service; ``services/runtime/http_errors.py``
maps them to HTTP once. Pure Python: a service's ``domain/`` subclasses them freely.

- ``NotFound``: no such record within the caller's reach (404, like another master's record);
- ``Conflict``: the record's state does not allow the command (409);
- ``Invalid``: input the rules refuse, naming the field(s) at fault (422, FastAPI's format);
- ``TooLarge`` and ``UnsupportedContent``: an invalid upload (413, 415);
- ``Forbidden``: the caller may not do this (403);
- ``Gone``: it existed, but no longer answers (410), such as an expired link;
- ``Unavailable``: the record exists but cannot be served now (503).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Location = tuple[str | int, ...]


class DomainError(Exception):
    """Base of the errors a use case raises on purpose; ``message`` is shown to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    def __init__(self, what: str, message: str | None = None) -> None:
        super().__init__(message or f"no such {what}")
        self.what = what


class Conflict(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Gone(DomainError):
    pass


class Unavailable(DomainError):
    pass


class Invalid(DomainError):
    """One or more problems, each at a location: a field name or a path in the input."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        problems: Sequence[tuple[Location, str]] = (),
        within: str = "body",
    ) -> None:
        super().__init__(message)
        self.field = field
        self.problems: list[tuple[Location, str]] = list(problems) or (
            [((field,), message)] if field else []
        )
        self.within = within

    @classmethod
    def of(cls, problems: Sequence[tuple[Location, str]], *, within: str = "body") -> Invalid:
        message = "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems)
        return cls(message, problems=problems, within=within)

    def detail(self) -> Any:
        """FastAPI's own validation format, so clients read one shape of error."""
        if not self.problems:
            return self.message
        return [
            {"type": "value_error", "loc": [self.within, *loc], "msg": msg}
            for loc, msg in self.problems
        ]


class TooLarge(Invalid):
    pass


class UnsupportedContent(Invalid):
    pass
