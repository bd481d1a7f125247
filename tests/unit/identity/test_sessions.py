"""Login, refresh, logout and the caller's own account, as handlers."""

from __future__ import annotations

import pytest

from application.actor import SYSTEM_ACTOR, system_acting_for
from application.errors import Forbidden
from application.identity.commands import (
    ChangePassword,
    ChangeSecondFactor,
    DisableAccount,
    LockAccount,
    LogIn,
    LogOut,
    RefreshSession,
    RevokeRole,
    UnlockAccount,
)
from application.identity.errors import SecondFactorUnavailable, TooManyLoginAttempts
from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import Role
from domain.identity.user import UserStatus
from tests.unit.identity.world import PASSWORD, World, world

IP = "198.51.100.7"


def log_in(w: World, username: str, password: str = PASSWORD, ip: str = IP) -> object:
    return w.identity.sessions.log_in(LogIn(username, password, ip, "pytest"))


@pytest.fixture
def w() -> World:
    return world()


def test_a_login_hands_out_a_pair_for_a_new_session(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    answer = w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "pytest"))
    assert answer.tokens is not None and answer.refusal is None
    assert answer.tokens.expires_in == 15 * 60
    assert w.names_of_events(uid)[-1] == "LoginSucceeded"
    assert len(w.identity.get(uid).sessions) == 1


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(w: World) -> None:
    w.user("owner.li", Role.OWNER)
    wrong = w.identity.sessions.log_in(LogIn("owner.li", "nope-nope-nope", IP, "pytest"))
    unknown = w.identity.sessions.log_in(LogIn("nobody.here", PASSWORD, IP, "pytest"))
    assert wrong.refusal == unknown.refusal == "wrong username or password"
    assert type(w.log.domain_events()[-1]).__name__ == "Recorded"  # UnknownUserLoginFailed


def test_the_fifth_wrong_password_locks_the_account_and_alerts_the_administrators(
    w: World,
) -> None:
    uid = w.user("owner.li", Role.OWNER)
    for _ in range(5):
        w.identity.sessions.log_in(LogIn("owner.li", "nope-nope-nope", IP, "pytest"))
    assert w.identity.get(uid).status is UserStatus.LOCKED
    assert type(w.log.domain_events()[-1]).__name__ == "Raised"  # the AdminAlert
    # Only someone who knows the password learns that the account is locked.
    guess = w.identity.sessions.log_in(LogIn("owner.li", "still-wrong-1", IP, "pytest"))
    right = w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "pytest"))
    assert guess.refusal == "wrong username or password"
    assert right.refusal is not None and right.refusal.startswith("this account is locked")
    # The cool-down over, the right password opens it again.
    w.later(minutes=16)
    assert w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "pytest")).tokens


def test_too_many_logins_from_one_address_are_refused_before_any_is_recorded() -> None:
    w = world(login_rate_limit=2)
    uid = w.user("owner.li", Role.OWNER)
    log_in(w, "owner.li")
    log_in(w, "owner.li")
    with pytest.raises(TooManyLoginAttempts) as refused:
        log_in(w, "owner.li")
    assert refused.value.retry_after == 42
    assert w.names_of_events(uid).count("LoginSucceeded") == 2
    assert log_in(w, "owner.li", ip="203.0.113.9")  # another address counts apart


def test_a_refresh_rotates_and_a_spent_token_revokes_the_session(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    first = w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "pytest")).tokens
    assert first is not None
    second = w.identity.sessions.refresh(RefreshSession(first.refresh_token))
    assert second.tokens is not None and second.tokens.refresh_token != first.refresh_token
    reused = w.identity.sessions.refresh(RefreshSession(first.refresh_token))
    assert reused.tokens is None and "already used" in (reused.refusal or "")
    assert not w.identity.get(uid).sessions
    forged = w.identity.sessions.refresh(RefreshSession("not.a.token.at-all"))
    assert forged.refusal == "invalid refresh token" and forged.position is None


def test_logging_out_ends_only_this_session(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "phone"))
    w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "laptop"))
    sessions = list(w.identity.get(uid).sessions)
    w.identity.sessions.log_out(LogOut(w.actor(uid, sessions[0])))
    assert list(w.identity.get(uid).sessions) == sessions[1:]
    assert w.identity.accounts.actor(uid, sessions[0]) is None
    assert w.identity.accounts.actor(uid, sessions[1]) is not None


def test_changing_ones_password_asks_for_the_current_one(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    me = w.actor(uid)
    with pytest.raises(ValidationFailed, match="current password is wrong"):
        w.identity.sessions.change_password(ChangePassword(me, "wrong-one-1", "new-ferry-lamp-90"))
    assert w.names_of_events(uid)[-1] == "LoginFailed"  # a wrong guess counts
    w.identity.sessions.change_password(ChangePassword(me, PASSWORD, "new-ferry-lamp-90"))
    assert w.identity.get(uid).password_hash == "plain$new-ferry-lamp-90"


def test_a_user_left_without_a_role_may_not_change_their_password(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    w.identity.admin.revoke_role(RevokeRole(SYSTEM_ACTOR, uid, Role.OWNER))
    events = w.names_of_events(uid)
    with pytest.raises(Forbidden, match="password:change"):
        w.identity.sessions.change_password(
            ChangePassword(w.actor(uid), PASSWORD, "new-ferry-lamp-90")
        )
    # Refused before the password is checked: not even a failed attempt is recorded.
    assert w.names_of_events(uid) == events
    assert w.identity.get(uid).password_hash == f"plain${PASSWORD}"


def test_a_user_left_without_a_role_may_not_manage_their_second_factor(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    w.identity.admin.revoke_role(RevokeRole(SYSTEM_ACTOR, uid, Role.OWNER))
    events = w.names_of_events(uid)
    with pytest.raises(Forbidden, match="second_factor:manage"):
        w.identity.sessions.change_second_factor(
            ChangeSecondFactor(w.actor(uid), False, PASSWORD, IP, "pytest")
        )
    assert w.names_of_events(uid) == events


def test_the_owner_may_manage_their_second_factor(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    # Past the permission, the decision is the user's: it is not on to turn off
    # (this world has no code sender to turn it on).
    with pytest.raises(InvalidTransition, match="not on"):
        w.identity.sessions.change_second_factor(
            ChangeSecondFactor(w.actor(uid), False, PASSWORD, IP, "pytest")
        )


def test_the_second_factor_needs_a_code_sender(w: World) -> None:
    uid = w.user("owner.li", Role.OWNER)
    with pytest.raises(SecondFactorUnavailable):
        w.identity.sessions.change_second_factor(
            ChangeSecondFactor(w.actor(uid), True, PASSWORD, IP, "pytest")
        )
    assert w.identity.sessions.second_factor_of(w.actor(uid)) is None


def test_a_disable_or_an_administrators_lock_ends_every_session_at_once(w: World) -> None:
    admin, uid = w.user("root", Role.ADMIN), w.user("owner.li", Role.OWNER)
    tokens = w.identity.sessions.log_in(LogIn("owner.li", PASSWORD, IP, "pytest")).tokens
    assert tokens is not None
    (session,) = w.identity.get(uid).sessions
    assert w.identity.accounts.actor(uid, session) == w.actor(uid, session)
    w.identity.admin.lock(LockAccount(system_acting_for(admin), uid, "investigation"))
    assert w.identity.accounts.actor(uid, session) is None
    w.identity.admin.unlock(UnlockAccount(system_acting_for(admin), uid))
    w.identity.admin.disable(DisableAccount(SYSTEM_ACTOR, uid, "left the estate"))
    assert w.identity.accounts.actor(uid, session) is None
