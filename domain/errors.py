"""Errors the domain raises when a command is not allowed in the current state."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused by the domain; nothing was recorded."""

    title = "Command refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidTransition(DomainError):
    title = "Not allowed in the current state"


class ValidationFailed(DomainError):
    title = "Invalid value"


class NotEntitled(DomainError):
    """The caller may see the record but may not take this step (answers 403):
    a requester approving their own request, anyone but the complainant
    confirming a complaint."""

    title = "Not entitled to this step"
