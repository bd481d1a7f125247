"""The two refusals every handler and query may give, mapped to HTTP once.

A record the caller may not see is reported missing (404), the same answer
as a record that does not exist, so an ID of another estate reveals nothing.
A record the caller may see but not change is forbidden (403). Each context's
own "not found" (``WorkOrderNotFound``, ``AccountNotFound``...) is a
:class:`NotFound`, so ``interfaces/http/problems.py`` maps them all in one place.
"""

from __future__ import annotations


class NotFound(LookupError):
    """No such record, or not one the caller may see."""


class Forbidden(PermissionError):
    """The caller may see the record but not do this to it."""
