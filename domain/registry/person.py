"""A person of an estate: an owner, a family member, a tenant.

Name, phone and national ID arrive sealed with the person's vault key (the
aggregate never sees them in clear); erasing the key erases them everywhere.
A person may be linked to the login account they use (``user_id``), which
opens their own units to them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition


class Person(Aggregate):
    @event("Registered")
    def __init__(
        self,
        id: UUID,
        estate_id: UUID,
        name_enc: str,
        phone_enc: str | None,
        national_id_enc: str | None,
        user_id: UUID | None,
    ) -> None:
        self.estate_id = estate_id
        self.name_enc = name_enc
        self.phone_enc = phone_enc
        self.national_id_enc = national_id_enc
        self.user_id = user_id
        self.personal_data_erased = False

    def link_account(self, user_id: UUID) -> None:
        if self.user_id == user_id:
            raise InvalidTransition("already linked to this account")
        self._account_linked(user_id=user_id)

    @event("AccountLinked")
    def _account_linked(self, user_id: UUID) -> None:
        self.user_id = user_id

    def unlink_account(self) -> None:
        if self.user_id is None:
            raise InvalidTransition("not linked to an account")
        self._account_unlinked(user_id=self.user_id)

    @event("AccountUnlinked")
    def _account_unlinked(self, user_id: UUID) -> None:
        self.user_id = None

    def change_contact(self, **sealed: Any) -> None:
        """New sealed values for ``name_enc``, ``phone_enc``, ``national_id_enc``."""
        allowed = {"name_enc", "phone_enc", "national_id_enc"}
        changes = {k: v for k, v in sealed.items() if k in allowed}
        if not changes:
            raise InvalidTransition("nothing to change")
        self._contact_changed(changes=changes)

    @event("ContactChanged")
    def _contact_changed(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.personal_data_erased = False

    def erase_personal_data(self, reason: str) -> None:
        if self.personal_data_erased:
            raise InvalidTransition("personal data already erased")
        self._personal_data_erased(reason=reason)

    @event("PersonalDataErased")
    def _personal_data_erased(self, reason: str) -> None:
        self.name_enc = ""
        self.phone_enc = None
        self.national_id_enc = None
        self.personal_data_erased = True
