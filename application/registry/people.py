"""Handlers of people: registration, contact details, login links, erasure (R1.1, R2.2).

Name, phone and national ID are sealed by the vault before they reach an
event, under the person's own key, so erasing that key shreds them everywhere.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.registry import commands as c
from application.registry.records import MANAGE, Created, Records
from application.services import find
from domain.errors import ValidationFailed
from domain.identity.user import User
from domain.registry.person import Person
from domain.registry.places import Estate, text

PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")
NATIONAL_ID = re.compile(r"^[0-9A-Za-z]{6,32}$")


class PeopleHandlers(Records):
    def register_person(self, command: c.RegisterPerson) -> Created:
        estate = self.load(command.estate_id, Estate)
        self.authorize(command.actor, estate.id)
        if command.user_id is not None:
            self.may_link(command.actor, command.user_id)
        person = self.new_person(
            estate.id, command.name, command.phone, command.national_id, command.user_id
        )
        return Created(person.id, self.deps.event_log.save_and_position(person))

    def change_contact(self, command: c.ChangeContact) -> int:
        person = self._person(command.actor, command.person_id)
        sealed: dict[str, Any] = {}
        if command.name is not None:
            sealed["name_enc"] = self.seal(person.id, "name", text(command.name, "name", 100))
        if command.phone is not None:
            sealed["phone_enc"] = self.seal(person.id, "phone", command.phone)
        if command.national_id is not None:
            sealed["national_id_enc"] = self.seal(person.id, "national_id", command.national_id)
        person.change_contact(**sealed)
        return self.deps.event_log.save_and_position(person)

    def link_account(self, command: c.LinkAccount) -> int:
        person = self._person(command.actor, command.person_id)
        self.may_link(command.actor, command.user_id)
        person.link_account(command.user_id)
        return self.deps.event_log.save_and_position(person)

    def unlink_account(self, command: c.UnlinkAccount) -> int:
        person = self._person(command.actor, command.person_id)
        person.unlink_account()
        return self.deps.event_log.save_and_position(person)

    def erase_person(self, command: c.ErasePerson) -> int:
        """Crypto-shred the person's name, phone and ID everywhere (R2.2)."""
        person = self._person(command.actor, command.person_id)
        person.erase_personal_data(command.reason)
        position = self.deps.event_log.save_and_position(person)
        # Only once the erasure is recorded: a refused one keeps the key.
        self.deps.vault.erase(person.id)
        return position

    def _person(self, actor: Actor, person_id: UUID) -> Person:
        """The person, once the actor may manage them (a linked login sees its own)."""
        person = self.load(person_id, Person)
        self.authorize(actor, person.estate_id, lambda: person.user_id == actor.user_id)
        return person

    def may_link(self, actor: Actor, user_id: UUID) -> None:
        """A login account may be linked only by someone who manages every estate
        it already belongs to (as staff, or through a person linked to it): a
        manager must not take over another estate's resident (who would lose
        their link, and whose login would see this estate's bills). A login that
        belongs to no estate yet was made by a company administrator for some
        estate no record names, so only company-wide managers link it first: an
        estate manager who got there first would take it. Refused as a missing
        account, so the answer tells nothing of the other estate."""
        refused = ValidationFailed("user_id: no such login account")
        # The aggregate, not the user directory: an estate assigned a moment ago counts.
        user = find(self.deps.event_log, user_id, User)
        if user is None:
            raise refused
        estates = set(user.estates) | self.deps.registry.estates_of_login(user_id)
        if not estates:
            if not actor.reach(MANAGE).everything:
                raise refused
        elif not all(actor.may(MANAGE, None, estate) for estate in estates):
            raise refused

    def new_person(
        self,
        estate_id: UUID,
        name: str,
        phone: str | None,
        national_id: str | None,
        user_id: UUID | None,
        person_id: UUID | None = None,
    ) -> Person:
        name = text(name, "name", 100)
        if phone and not PHONE.match(phone):
            raise ValidationFailed("phone: digits, spaces or -, optionally after +")
        if national_id and not NATIONAL_ID.match(national_id):
            raise ValidationFailed("national_id: 6-32 letters or digits")
        person_id = person_id or self.deps.ids()
        return Person(
            id=person_id,
            estate_id=estate_id,
            name_enc=self.seal(person_id, "name", name) or "",
            phone_enc=self.seal(person_id, "phone", phone),
            national_id_enc=self.seal(person_id, "national_id", national_id),
            user_id=user_id,
        )

    def seal(self, subject_id: UUID, field: str, value: str | None) -> str | None:
        if not value:
            return None
        sealed: str = self.deps.vault.encrypt(subject_id, field, value)
        return sealed
