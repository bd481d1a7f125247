"""User administration: one handler per command, each load, authorize, decide, save.

Who may hand out what is decided here, not on the route: the route's
``requires(...)`` is the coarse gate, and these handlers add the rules of
the record: nobody grants or revokes a role or permission they do not hold
themselves (an administrator of users who is not an admin cannot make one),
nobody disables their own account, and a user's own profile is theirs to
change while another's is reported missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.actor import Actor
from application.errors import Forbidden
from application.identity.accounts import SEALED_FIELDS, Accounts
from application.identity.commands import (
    AssignEstate,
    ChangeProfile,
    DisableAccount,
    EnableAccount,
    ErasePersonalData,
    GrantPermission,
    GrantRole,
    LockAccount,
    PreassignEstate,
    RegisterUser,
    ResetPassword,
    RevokePermission,
    RevokeRole,
    UnassignEstate,
    UnlockAccount,
)
from application.identity.errors import UsernameTaken
from application.services import find
from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import ROLE_PERMISSIONS, Permission, Role
from domain.identity.user import User, normalise_username, user_id_for
from domain.registry.places import Estate

MANAGE_ACCESS = "users:manage_access"


class UserAdmin:
    """The handlers of the commands an administrator gives about a user."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    def register(self, cmd: RegisterUser) -> tuple[UUID, int]:
        cmd.actor.require("users:create", owner_id=None)
        _may_hand_out(cmd.actor, _held_by_roles(cmd.roles))
        a = self.accounts
        name = normalise_username(cmd.username)
        a.check_password(cmd.password, name, cmd.display_name)
        uid = user_id_for(name)
        user = User(
            username=name,
            display_name_enc=a.seal(uid, "display_name", cmd.display_name),
            roles=sorted(set(cmd.roles)),
            password_hash=a.passwords.hash(cmd.password),
            gender=cmd.gender,
            phone_enc=a.seal(uid, "phone", cmd.phone),
            national_id_enc=a.seal(uid, "national_id", cmd.national_id),
        )
        try:
            return user.id, a.log.save_and_position(user)
        except IntegrityError:
            raise UsernameTaken(name) from None

    def change_profile(self, cmd: ChangeProfile) -> int:
        # The record's owner is the user it describes: known before the load,
        # so another's ID answers as a missing one whether or not it exists.
        cmd.actor.check("users:update", owner_id=cmd.user_id)
        user = self.accounts.get(cmd.user_id)
        changes = cmd.changes
        if not changes:
            raise ValidationFailed("name at least one field to change")
        if "display_name" in changes and not changes["display_name"]:
            raise ValidationFailed("display_name: a name cannot be removed (erasure removes it)")
        sealed: dict[str, Any] = {}
        for key, value in changes.items():
            if key in SEALED_FIELDS:
                sealed[f"{key}_enc"] = self.accounts.seal(user.id, key, value)
            else:
                sealed[key] = value
        if "display_name" in changes:
            sealed["display_name"] = None  # a name an older release kept in clear
        user.change_profile(**sealed)
        return self.accounts.log.save_and_position(user)

    def grant_role(self, cmd: GrantRole) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        _may_hand_out(cmd.actor, ROLE_PERMISSIONS[cmd.role])
        user.grant_role(cmd.role)
        return self.accounts.log.save_and_position(user)

    def revoke_role(self, cmd: RevokeRole) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        _may_hand_out(cmd.actor, ROLE_PERMISSIONS[cmd.role])
        user.revoke_role(cmd.role)
        return self.accounts.log.save_and_position(user)

    def grant_permission(self, cmd: GrantPermission) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        _may_hand_out(cmd.actor, {cmd.permission})
        user.grant_permission(cmd.permission)
        return self.accounts.log.save_and_position(user)

    def revoke_permission(self, cmd: RevokePermission) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        _may_hand_out(cmd.actor, {cmd.permission})
        user.revoke_permission(cmd.permission)
        return self.accounts.log.save_and_position(user)

    def assign_estate(self, cmd: AssignEstate) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        if find(self.accounts.log, cmd.estate_id, Estate) is None:
            raise ValidationFailed(f"there is no estate {cmd.estate_id}")
        user.assign_estate(cmd.estate_id)
        return self.accounts.log.save_and_position(user)

    def preassign_estate(self, cmd: PreassignEstate) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        user.assign_estate(cmd.estate_id)
        return self.accounts.log.save_and_position(user)

    def unassign_estate(self, cmd: UnassignEstate) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        user.unassign_estate(cmd.estate_id)
        return self.accounts.log.save_and_position(user)

    def lock(self, cmd: LockAccount) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        user.lock(at=self.accounts.clock(), reason=cmd.reason, by=cmd.actor.user_id)
        return self.accounts.log.save_and_position(user)

    def unlock(self, cmd: UnlockAccount) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        user.unlock(at=self.accounts.clock(), by=cmd.actor.user_id)
        return self.accounts.log.save_and_position(user)

    def disable(self, cmd: DisableAccount) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        if user.id == cmd.actor.user_id:
            # An administrator locking themselves out could leave nobody to undo it.
            raise InvalidTransition("you cannot disable your own account")
        user.disable(at=self.accounts.clock(), reason=cmd.reason)
        return self.accounts.log.save_and_position(user)

    def enable(self, cmd: EnableAccount) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        user.enable(at=self.accounts.clock())
        return self.accounts.log.save_and_position(user)

    def reset_password(self, cmd: ResetPassword) -> int:
        user = self._managed(cmd.actor, cmd.user_id)
        a = self.accounts
        a.check_password(cmd.new_password, user.username, a.display_name(user))
        user.change_password(a.passwords.hash(cmd.new_password), at=a.clock())
        return a.log.save_and_position(user)

    def erase_personal_data(self, cmd: ErasePersonalData) -> int:
        a = self.accounts
        user = a.get(cmd.user_id)
        cmd.actor.require("users:erase_personal_data", owner_id=None)
        user.erase_personal_data(at=a.clock(), reason=cmd.reason)
        position = a.log.save_and_position(user)
        a.vault.erase(user.id)
        # An older snapshot may hold a name an older release kept in clear.
        a.log.forget_snapshots(user.id)
        return position

    def _managed(self, actor: Actor, user_id: UUID) -> User:
        """The user, loaded for a change of their access by ``actor``."""
        user = self.accounts.get(user_id)
        actor.require(MANAGE_ACCESS, owner_id=None)
        return user


def _held_by_roles(roles: Iterable[Role]) -> set[Permission]:
    return {p for role in roles for p in ROLE_PERMISSIONS[role]}


def _may_hand_out(actor: Actor, permissions: Iterable[Permission]) -> None:
    """Nobody grants or takes away more than they hold: access only flows downwards."""
    missing = sorted(p.value for p in set(permissions) - actor.permissions)
    if missing:
        raise Forbidden(
            f"you cannot hand out what you do not hold yourself: {', '.join(missing[:3])}"
            + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        )
