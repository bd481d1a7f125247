"""The actor of a finance caller without a session: the demo loader, a job, a test.

It holds the company-wide finance grants, so the handlers' checks pass: the
caller's own entry point (an operator at the CLI) is the authorization.
"""

from __future__ import annotations

from uuid import UUID

from application.actor import Actor
from domain.identity.policy import Permission

TRUSTED_GRANTS = frozenset(
    {Permission.FINANCE_READ, Permission.FINANCE_MANAGE, Permission.PAYMENTS_RECORD}
)


def trusted(user_id: UUID) -> Actor:
    """The actor recorded as ``user_id``, with the finance grants of every estate."""
    return Actor(
        user_id=user_id,
        username="system",
        role=None,
        permissions=TRUSTED_GRANTS,
        session_id="",
    )
