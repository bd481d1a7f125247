"""A visitor pass (访客通行证): a resident (or the front desk) lets a visitor in.

Issued for one unit with a validity window and a number of entries allowed
-> checked in at the gate (an entry, while the window is open and entries
are left) -> checked out -> in again, until the entries are used up, the
window closes or whoever issued it (or staff) revokes it. Expiry is no event:
it is the clock passing ``valid_until``, which every check-in compares. A
pass opened a door controller is recorded against it too (``UsedAtController``).

The visitor's name and phone are personal data: they enter the events
sealed (``name_enc``, ``phone_enc``), under the pass's own key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, NotEntitled, ValidationFailed

#: The longest window a pass may have: a visit, not a lease.
LONGEST_WINDOW = timedelta(days=31)
MOST_ENTRIES = 100
PLATE_LENGTH = 16


class PassRefused(InvalidTransition):
    """The gate refuses the pass (409): ``reason`` says why, the title names it."""

    TITLES = {
        "not_yet_valid": "Pass not yet valid",
        "expired": "Pass expired",
        "revoked": "Pass revoked",
        "used_up": "Pass used up",
        "inside": "Visitor already inside",
        "not_inside": "Visitor not inside",
    }

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.title = self.TITLES[reason]


class PassOfAnotherEstate(NotEntitled):
    """A gate of one estate is shown the pass of another (403)."""

    title = "Pass of another estate"


def plate_text(plate: str | None) -> str | None:
    """A plate as the barrier reads it: upper case, no spaces (``沪A12345``)."""
    if plate is None:
        return None
    value = "".join(plate.split()).upper()
    if not 1 <= len(value) <= PLATE_LENGTH:
        raise ValidationFailed(f"plate: 1-{PLATE_LENGTH} characters")
    return value


class VisitorPass(Aggregate):
    @classmethod
    def issue(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        issued_by: UUID,
        visitor_user_id: UUID | None,
        name_enc: str,
        phone_enc: str | None,
        plate: str | None,
        valid_from: datetime,
        valid_until: datetime,
        entries_allowed: int,
        at: datetime,
    ) -> VisitorPass:
        if valid_from.tzinfo is None or valid_until.tzinfo is None:
            raise ValidationFailed("valid_from, valid_until: times with their UTC offset")
        if valid_until <= valid_from:
            raise ValidationFailed("valid_until: after valid_from")
        if valid_until - valid_from > LONGEST_WINDOW:
            raise ValidationFailed(
                f"valid_until: at most {LONGEST_WINDOW.days} days after valid_from"
            )
        if valid_until <= at:
            raise ValidationFailed("valid_until: in the future")
        if not 1 <= entries_allowed <= MOST_ENTRIES:
            raise ValidationFailed(f"entries_allowed: 1-{MOST_ENTRIES}")
        return cls(
            id=id,
            estate_id=estate_id,
            unit_id=unit_id,
            issued_by=issued_by,
            visitor_user_id=visitor_user_id,
            name_enc=name_enc,
            phone_enc=phone_enc,
            plate=plate_text(plate),
            valid_from=valid_from,
            valid_until=valid_until,
            entries_allowed=entries_allowed,
            at=at,
        )

    @event("Issued")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        unit_id: UUID,
        issued_by: UUID,
        visitor_user_id: UUID | None,
        name_enc: str,
        phone_enc: str | None,
        plate: str | None,
        valid_from: datetime,
        valid_until: datetime,
        entries_allowed: int,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.issued_by = issued_by
        self.visitor_user_id = visitor_user_id
        self.name_enc = name_enc
        self.phone_enc = phone_enc
        self.plate = plate
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.entries_allowed = entries_allowed
        self.entries_used = 0
        self.inside = False
        self.revoked = False

    # ---- what the gate asks --------------------------------------------------

    def refusal(self, at: datetime) -> PassRefused | None:
        """Why the pass may not let its visitor in at ``at`` (None: it may)."""
        if self.revoked:
            return PassRefused("revoked", "the pass was revoked")
        if at < self.valid_from:
            return PassRefused("not_yet_valid", f"the pass is valid from {self.valid_from}")
        if at >= self.valid_until:
            return PassRefused("expired", f"the pass expired at {self.valid_until}")
        if self.entries_used >= self.entries_allowed:
            return PassRefused("used_up", f"all {self.entries_allowed} entries are used")
        return None

    def status(self, at: datetime) -> str:
        """``inside``, ``revoked``, ``expired``, ``used_up``, ``not_yet_valid`` or ``valid``."""
        if self.inside:
            return "inside"
        refused = self.refusal(at)
        return refused.reason if refused else "valid"

    # ---- the gate's steps ------------------------------------------------------

    def check_in(self, by: UUID, at: datetime, controller_id: UUID | None = None) -> None:
        """The visitor enters: one of the entries allowed, within the window."""
        if self.inside:
            raise PassRefused("inside", "the visitor is inside already; check them out first")
        refused = self.refusal(at)
        if refused:
            raise refused
        self._checked_in(by=by, at=at, entry=self.entries_used + 1, controller_id=controller_id)

    @event("CheckedIn")
    def _checked_in(self, by: UUID, at: datetime, entry: int, controller_id: UUID | None) -> None:
        self.entries_used = entry
        self.inside = True

    def check_out(self, by: UUID, at: datetime, controller_id: UUID | None = None) -> None:
        """The visitor leaves: always let out, even once the pass is revoked or expired."""
        if not self.inside:
            raise PassRefused("not_inside", "the visitor is not inside")
        self._checked_out(by=by, at=at, controller_id=controller_id)

    @event("CheckedOut")
    def _checked_out(self, by: UUID, at: datetime, controller_id: UUID | None) -> None:
        self.inside = False

    def revoke(self, by: UUID, reason: str | None, at: datetime) -> None:
        if self.revoked:
            raise InvalidTransition("the pass is revoked already")
        if reason is not None and len(reason.strip()) > 500:
            raise ValidationFailed("reason: at most 500 characters")
        self._revoked(by=by, reason=reason.strip() if reason else None, at=at)

    @event("Revoked")
    def _revoked(self, by: UUID, reason: str | None, at: datetime) -> None:
        self.revoked = True

    def used_at_controller(self, controller_id: UUID, at: datetime) -> None:
        """A door or gate controller reports it opened for this pass: recorded
        against the pass, with why the pass was not valid then, if it was not."""
        refused = None if self.inside else self.refusal(at)
        self._used_at_controller(
            controller_id=controller_id, at=at, refusal=refused.reason if refused else None
        )

    @event("UsedAtController")
    def _used_at_controller(self, controller_id: UUID, at: datetime, refusal: str | None) -> None:
        pass
