"""Events are stored by topic: splitting the user module must not move one."""

from __future__ import annotations

from eventsourcing.utils import get_topic, resolve_topic

from domain.identity.user import User

EVENTS = [
    "Registered",
    "LoginSucceeded",
    "LoginFailed",
    "LoggedOut",
    "RefreshTokenRotated",
    "SessionRevoked",
    "SecondFactorChallenged",
    "SecondFactorEnabled",
    "SecondFactorDisabled",
    "PasswordChanged",
    "PasswordRehashed",
    "ProfileChanged",
    "PersonalDataErased",
    "RoleGranted",
    "RoleRevoked",
    "PermissionGranted",
    "PermissionRevoked",
    "EstateAssigned",
    "EstateUnassigned",
    "AccountLocked",
    "AccountUnlocked",
    "AccountDisabled",
    "AccountEnabled",
]


def test_every_user_event_keeps_its_stored_topic() -> None:
    for name in EVENTS:
        topic = f"domain.identity.user:User.{name}"
        assert get_topic(getattr(User, name)) == topic
        assert resolve_topic(topic) is getattr(User, name)
    assert get_topic(User) == "domain.identity.user:User"
