"""What other read models ask about approvals: who must decide what now.

``to_decide(decider)`` is the WHERE fragment of the ``approvals`` rows the
decider may decide at this moment, the same rule as
``Approval.may_decide``: pending; not their own request; in an estate they
decide for; handed to them, or (not handed to anyone) at a level of one of
their roles; administrators decide every level.
"""

from __future__ import annotations

from typing import Any

from domain.approvals.approval import ADMIN, Decider


def to_decide(decider: Decider) -> tuple[str, list[Any]]:
    """(WHERE fragment, parameters) over the ``approvals`` table."""
    if not decider.decides_anything:
        return "false", []
    where = "status = 'pending' AND requested_by <> %s"
    params: list[Any] = [decider.user_id]
    if not decider.any_estate:
        where += " AND estate_id = ANY(%s)"
        params.append(list(decider.estates))
    if ADMIN in decider.roles:
        return where, params
    where += " AND (delegate_id = %s OR (delegate_id IS NULL AND decider_role = ANY(%s)))"
    params += [decider.user_id, sorted(decider.roles)]
    return where, params
