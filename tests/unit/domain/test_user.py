"""The User aggregate as short stories: given events, when a command, then new events.

No I/O: passwords arrive already checked (``password_ok``), the hash is a fake
string, and every decision gets an explicit UTC time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import ROLE_PERMISSIONS, Permission, Role
from domain.identity.user import (
    MAX_SESSIONS,
    SESSION_LIMIT,
    LockoutPolicy,
    LoginResult,
    RefreshResult,
    User,
    UserStatus,
    user_id_for,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = LockoutPolicy()  # 5 failures within 15 minutes, 15 minutes cool-down
REFRESH_TTL = timedelta(days=14)
ADMIN_ID = UUID("00000000-0000-4000-8000-00000000ad01")


def new_events(user: User) -> list[str]:
    return [type(e).__name__ for e in user.collect_events()]


def given_user(roles: list[Role] | None = None) -> User:
    user = User(
        username="Alice.Wong",
        display_name="Alice Wong",
        roles=roles if roles is not None else [Role.OWNER],
        password_hash="$argon2id$fake-hash",
    )
    user.collect_events()
    return user


def attempt(
    user: User, *, ok: bool, at: datetime, session_id: str = "s-1", policy: LockoutPolicy = POLICY
) -> LoginResult:
    return user.attempt_login(
        password_ok=ok,
        at=at,
        client_ip="203.0.113.7",
        user_agent="pytest-agent/1.0",
        session_id=session_id,
        refresh_expires_at=at + REFRESH_TTL,
        policy=policy,
    )


def given_wrong_passwords(user: User, count: int, start: datetime = T0) -> datetime:
    """``count`` wrong passwords one minute apart; returns the time of the last."""
    at = start
    for i in range(count):
        at = start + timedelta(minutes=i)
        attempt(user, ok=False, at=at)
    user.collect_events()
    return at


# ---- registration -------------------------------------------------------------


def test_registration_records_a_normal_user_whose_id_comes_from_the_username() -> None:
    user = User(
        username="  Alice.Wong ",
        display_name="Alice Wong",
        roles=[Role.OWNER],
        password_hash="$argon2id$fake-hash",
    )

    assert new_events(user) == ["Registered"]
    assert user.username == "alice.wong"
    assert user.id == user_id_for("ALICE.WONG")
    assert user.status is UserStatus.NORMAL
    assert user.roles == {Role.OWNER}
    assert user.sessions == {}
    assert user.recent_failures == []


@pytest.mark.parametrize("username", ["ab", "has space", "semi;colon", "x" * 65])
def test_registration_refuses_an_unusable_username(username: str) -> None:
    with pytest.raises(ValidationFailed):
        User(username=username, display_name="X", roles=[Role.OWNER], password_hash="h")


# ---- logins and lockout -------------------------------------------------------


def test_right_password_logs_in_and_opens_a_session() -> None:
    user = given_user()

    result = attempt(user, ok=True, at=T0, session_id="s-42")

    assert result is LoginResult.SUCCEEDED
    assert new_events(user) == ["LoginSucceeded"]
    assert user.session_is_active("s-42")
    assert user.sessions["s-42"] == [0, T0 + REFRESH_TTL]


def test_wrong_password_records_login_failed_with_ip_and_agent() -> None:
    user = given_user()

    result = attempt(user, ok=False, at=T0)

    assert result is LoginResult.WRONG_PASSWORD
    [failed] = user.collect_events()
    assert type(failed).__name__ == "LoginFailed"
    assert failed.reason == "wrong password"  # type: ignore[attr-defined]
    assert failed.client_ip == "203.0.113.7"  # type: ignore[attr-defined]
    assert failed.user_agent == "pytest-agent/1.0"  # type: ignore[attr-defined]
    assert user.status is UserStatus.NORMAL
    assert user.recent_failures == [T0]


def test_four_wrong_passwords_do_not_lock_the_account() -> None:
    user = given_user()

    given_wrong_passwords(user, 4)

    assert user.status is UserStatus.NORMAL


def test_fifth_wrong_password_within_fifteen_minutes_locks_the_account() -> None:
    user = given_user()
    last = given_wrong_passwords(user, 4)

    result = attempt(user, ok=False, at=last + timedelta(minutes=10))

    assert result is LoginResult.WRONG_PASSWORD
    events = user.collect_events()
    assert [type(e).__name__ for e in events] == ["LoginFailed", "AccountLocked"]
    locked = events[-1]
    at = last + timedelta(minutes=10)
    assert locked.until == at + POLICY.cooldown  # type: ignore[attr-defined]
    assert locked.by is None  # type: ignore[attr-defined] # automatic, not an administrator
    assert user.status is UserStatus.LOCKED
    assert user.locked_until == at + POLICY.cooldown


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    user = given_user()

    for i in range(10):  # one wrong password every four minutes: never five in 15 minutes
        attempt(user, ok=False, at=T0 + timedelta(minutes=4 * i))

    assert "AccountLocked" not in new_events(user)
    assert user.status is UserStatus.NORMAL


def test_a_failure_exactly_one_window_old_no_longer_counts() -> None:
    user = given_user()
    attempt(user, ok=False, at=T0)
    for i in range(1, 4):
        attempt(user, ok=False, at=T0 + timedelta(minutes=i))

    attempt(user, ok=False, at=T0 + POLICY.window)  # the first has just left the window

    assert user.status is UserStatus.NORMAL


def test_a_successful_login_resets_the_failure_count() -> None:
    user = given_user()
    last = given_wrong_passwords(user, 4)
    attempt(user, ok=True, at=last + timedelta(seconds=30))

    attempt(user, ok=False, at=last + timedelta(minutes=1))

    assert user.status is UserStatus.NORMAL
    assert user.recent_failures == [last + timedelta(minutes=1)]


def test_a_locked_account_refuses_even_the_right_password() -> None:
    user = given_user()
    locked_at = given_wrong_passwords(user, 5)

    result = attempt(user, ok=True, at=locked_at + timedelta(minutes=5))

    assert result is LoginResult.LOCKED
    [failed] = user.collect_events()
    assert type(failed).__name__ == "LoginFailed"
    assert failed.reason == "locked"  # type: ignore[attr-defined]
    assert user.status is UserStatus.LOCKED


def test_after_the_cool_down_the_right_password_logs_in() -> None:
    user = given_user()
    locked_at = given_wrong_passwords(user, 5)

    result = attempt(user, ok=True, at=locked_at + POLICY.cooldown, session_id="s-after")

    assert result is LoginResult.SUCCEEDED
    events = user.collect_events()
    assert [type(e).__name__ for e in events] == ["AccountUnlocked", "LoginSucceeded"]
    assert events[0].reason == "cool-down elapsed"  # type: ignore[attr-defined]
    assert events[0].by is None  # type: ignore[attr-defined]
    assert user.status is UserStatus.NORMAL
    assert user.session_is_active("s-after")


def test_after_the_cool_down_a_wrong_password_starts_a_fresh_count() -> None:
    user = given_user()
    locked_at = given_wrong_passwords(user, 5)

    result = attempt(user, ok=False, at=locked_at + POLICY.cooldown)

    assert result is LoginResult.WRONG_PASSWORD
    assert new_events(user) == ["AccountUnlocked", "LoginFailed"]
    assert user.status is UserStatus.NORMAL
    assert user.recent_failures == [locked_at + POLICY.cooldown]


def test_a_disabled_account_refuses_the_right_password() -> None:
    user = given_user()
    user.disable(at=T0, reason="left the company")
    user.collect_events()

    result = attempt(user, ok=True, at=T0 + timedelta(minutes=1))

    assert result is LoginResult.DISABLED
    [failed] = user.collect_events()
    assert failed.reason == "disabled"  # type: ignore[attr-defined]
    assert user.sessions == {}


def test_an_administrators_unlock_lets_the_user_log_in_before_the_cool_down() -> None:
    user = given_user()
    locked_at = given_wrong_passwords(user, 5)

    user.unlock(at=locked_at + timedelta(minutes=1), by=ADMIN_ID)
    result = attempt(user, ok=True, at=locked_at + timedelta(minutes=2))

    events = user.collect_events()
    assert [type(e).__name__ for e in events] == ["AccountUnlocked", "LoginSucceeded"]
    assert events[0].by == ADMIN_ID  # type: ignore[attr-defined]
    assert result is LoginResult.SUCCEEDED


def test_unlocking_a_normal_account_is_refused() -> None:
    user = given_user()

    with pytest.raises(InvalidTransition):
        user.unlock(at=T0, by=ADMIN_ID)
    assert new_events(user) == []


def test_an_administrators_lock_ends_every_session_at_once() -> None:
    user = given_user()
    attempt(user, ok=True, at=T0, session_id="s-1")
    attempt(user, ok=True, at=T0, session_id="s-2")
    user.collect_events()

    user.lock(at=T0 + timedelta(minutes=1), reason="suspicious activity", by=ADMIN_ID)

    events = user.collect_events()
    assert [type(e).__name__ for e in events] == ["AccountLocked"]
    assert events[0].until is None  # type: ignore[attr-defined]
    assert not user.session_is_active("s-1")
    assert not user.session_is_active("s-2")
    # the cool-down never ends an administrator's lock
    assert attempt(user, ok=True, at=T0 + timedelta(days=30)) is LoginResult.LOCKED


def test_an_automatic_lock_keeps_existing_sessions() -> None:
    """Someone guessing the password must not be able to log the real user out."""
    user = given_user()
    attempt(user, ok=True, at=T0, session_id="s-real")
    given_wrong_passwords(user, 5, start=T0 + timedelta(minutes=1))

    assert user.status is UserStatus.LOCKED
    assert user.session_is_active("s-real")


def test_an_administrator_may_turn_an_automatic_lock_into_a_lock_of_their_own() -> None:
    user = given_user()
    attempt(user, ok=True, at=T0, session_id="s-maybe-stolen")
    locked_at = given_wrong_passwords(user, 5, start=T0 + timedelta(minutes=1))

    user.lock(at=locked_at + timedelta(minutes=1), reason="looks like an attack", by=ADMIN_ID)

    assert new_events(user) == ["AccountLocked"]
    assert user.locked_until is None
    assert not user.session_is_active("s-maybe-stolen")
    assert attempt(user, ok=True, at=locked_at + timedelta(days=1)) is LoginResult.LOCKED


def test_locking_an_account_an_administrator_already_locked_is_refused() -> None:
    user = given_user()
    user.lock(at=T0, reason="lost laptop", by=ADMIN_ID)
    user.collect_events()

    with pytest.raises(InvalidTransition):
        user.lock(at=T0, reason="again", by=ADMIN_ID)
    assert new_events(user) == []


def test_disabling_ends_every_session() -> None:
    user = given_user()
    attempt(user, ok=True, at=T0, session_id="s-1")
    user.collect_events()

    user.disable(at=T0 + timedelta(minutes=1), reason="left the company")

    assert new_events(user) == ["AccountDisabled"]
    assert user.status is UserStatus.DISABLED
    assert not user.session_is_active("s-1")


def test_enabling_returns_a_disabled_account_to_normal_with_a_clean_count() -> None:
    user = given_user()
    given_wrong_passwords(user, 4)
    user.disable(at=T0 + timedelta(minutes=5), reason="on leave")
    user.collect_events()

    user.enable(at=T0 + timedelta(minutes=6))

    assert new_events(user) == ["AccountEnabled"]
    assert user.status is UserStatus.NORMAL
    assert user.recent_failures == []
    with pytest.raises(InvalidTransition):
        user.enable(at=T0 + timedelta(minutes=7))


def test_disabling_twice_is_refused() -> None:
    user = given_user()
    user.disable(at=T0, reason="left")

    with pytest.raises(InvalidTransition):
        user.disable(at=T0, reason="again")


# ---- refresh tokens and sessions -------------------------------------------------


def logged_in(session_id: str = "s-1") -> User:
    user = given_user()
    attempt(user, ok=True, at=T0, session_id=session_id)
    user.collect_events()
    return user


def rotate(user: User, generation: int, at: datetime, session_id: str = "s-1") -> RefreshResult:
    return user.rotate_refresh_token(
        session_id=session_id, generation=generation, at=at, refresh_expires_at=at + REFRESH_TTL
    )


def test_the_current_refresh_token_rotates_to_the_next_generation() -> None:
    user = logged_in()

    result = rotate(user, generation=0, at=T0 + timedelta(minutes=10))

    assert result is RefreshResult.ROTATED
    assert new_events(user) == ["RefreshTokenRotated"]
    assert user.sessions["s-1"] == [1, T0 + timedelta(minutes=10) + REFRESH_TTL]
    assert rotate(user, generation=1, at=T0 + timedelta(minutes=20)) is RefreshResult.ROTATED


def test_reusing_a_spent_refresh_token_revokes_the_session() -> None:
    user = logged_in()
    rotate(user, generation=0, at=T0 + timedelta(minutes=10))
    user.collect_events()

    result = rotate(user, generation=0, at=T0 + timedelta(minutes=11))

    assert result is RefreshResult.REUSED
    events = user.collect_events()
    assert [type(e).__name__ for e in events] == ["SessionRevoked"]
    assert events[0].reason == "refresh token reused"  # type: ignore[attr-defined]
    assert not user.session_is_active("s-1")
    # the token issued by the rotation is now worthless too
    assert rotate(user, generation=1, at=T0 + timedelta(minutes=12)) is RefreshResult.INVALID
    assert new_events(user) == []


def test_a_refresh_token_from_the_future_is_invalid_and_records_nothing() -> None:
    user = logged_in()

    assert rotate(user, generation=3, at=T0 + timedelta(minutes=1)) is RefreshResult.INVALID
    assert new_events(user) == []
    assert user.session_is_active("s-1")


def test_an_expired_refresh_token_is_invalid() -> None:
    user = logged_in()

    result = rotate(user, generation=0, at=T0 + REFRESH_TTL)

    assert result is RefreshResult.INVALID
    assert new_events(user) == []


def test_an_unknown_session_cannot_refresh() -> None:
    user = logged_in()

    assert rotate(user, 0, T0, session_id="nope") is RefreshResult.INVALID


def test_logging_out_ends_only_that_session() -> None:
    user = given_user()
    attempt(user, ok=True, at=T0, session_id="s-phone")
    attempt(user, ok=True, at=T0, session_id="s-laptop")
    user.collect_events()

    user.log_out("s-phone", at=T0 + timedelta(minutes=5))

    assert new_events(user) == ["LoggedOut"]
    assert not user.session_is_active("s-phone")
    assert user.session_is_active("s-laptop")
    assert rotate(user, 0, T0 + timedelta(minutes=6), "s-phone") is RefreshResult.INVALID
    with pytest.raises(InvalidTransition):
        user.log_out("s-phone", at=T0 + timedelta(minutes=7))


def test_a_password_change_ends_every_session() -> None:
    user = given_user()
    attempt(user, ok=True, at=T0, session_id="s-phone")
    attempt(user, ok=True, at=T0, session_id="s-laptop")
    user.collect_events()

    user.change_password("$argon2id$new-fake-hash", at=T0 + timedelta(minutes=5))

    assert new_events(user) == ["PasswordChanged"]
    assert user.password_hash == "$argon2id$new-fake-hash"
    assert user.sessions == {}
    assert not user.session_is_active("s-phone")
    assert not user.session_is_active("s-laptop")


def test_a_new_login_forgets_sessions_whose_refresh_token_has_expired() -> None:
    user = logged_in("s-old")

    attempt(user, ok=True, at=T0 + REFRESH_TTL + timedelta(seconds=1), session_id="s-new")

    assert set(user.sessions) == {"s-new"}


# ---- roles and permissions ---------------------------------------------------------


def test_granting_a_role_adds_its_permissions() -> None:
    user = given_user([Role.OWNER])
    assert Permission.AUDIT_READ not in user.permissions

    user.grant_role(Role.AUDITOR)

    assert new_events(user) == ["RoleGranted"]
    assert user.roles == {Role.OWNER, Role.AUDITOR}
    assert Permission.AUDIT_READ in user.permissions


def test_granting_a_role_twice_is_refused_and_records_nothing() -> None:
    user = given_user([Role.OWNER])

    with pytest.raises(InvalidTransition):
        user.grant_role(Role.OWNER)
    assert new_events(user) == []


def test_revoking_a_role_removes_its_permissions() -> None:
    user = given_user([Role.OWNER, Role.AUDITOR])

    user.revoke_role(Role.AUDITOR)

    assert new_events(user) == ["RoleRevoked"]
    assert user.roles == {Role.OWNER}
    assert Permission.AUDIT_READ not in user.permissions
    with pytest.raises(InvalidTransition):
        user.revoke_role(Role.AUDITOR)


def test_a_direct_permission_is_granted_and_revoked_on_its_own() -> None:
    user = given_user([Role.TECHNICIAN])

    user.grant_permission(Permission.AUDIT_EXPORT)
    assert Permission.AUDIT_EXPORT in user.permissions
    with pytest.raises(InvalidTransition):
        user.grant_permission(Permission.AUDIT_EXPORT)
    user.revoke_permission(Permission.AUDIT_EXPORT)

    assert new_events(user) == ["PermissionGranted", "PermissionRevoked"]
    assert Permission.AUDIT_EXPORT not in user.permissions
    with pytest.raises(InvalidTransition):
        user.revoke_permission(Permission.AUDIT_EXPORT)


def test_revoking_a_permission_that_only_comes_from_a_role_is_refused() -> None:
    user = given_user([Role.AUDITOR])

    with pytest.raises(InvalidTransition):
        user.revoke_permission(Permission.AUDIT_READ)
    assert Permission.AUDIT_READ in user.permissions


def test_effective_permissions_join_every_role_and_direct_grant() -> None:
    user = given_user([Role.VISITOR])
    assert user.permissions == {
        Permission.USERS_READ_OWN,
        Permission.PASSWORD_CHANGE_OWN,
        Permission.VISITORS_READ_OWN,
    }

    user.grant_role(Role.OWNER)
    user.grant_permission(Permission.AUDIT_VERIFY)

    assert user.permissions == ROLE_PERMISSIONS[Role.OWNER] | {
        Permission.USERS_READ_OWN,
        Permission.PASSWORD_CHANGE_OWN,
        Permission.AUDIT_VERIFY,
    }
    assert Permission.USERS_READ not in user.permissions


def test_a_staff_member_serves_the_estates_assigned_to_them() -> None:
    user = given_user([Role.PROPERTY_MANAGER])
    estate = uuid4()
    assert user.estates == frozenset()

    user.assign_estate(estate)
    with pytest.raises(InvalidTransition):
        user.assign_estate(estate)
    assert user.estates == {estate}

    user.unassign_estate(estate)
    with pytest.raises(InvalidTransition):
        user.unassign_estate(estate)
    assert user.estates == frozenset()


def test_the_primary_role_is_the_most_senior_one() -> None:
    user = given_user([Role.OWNER, Role.FINANCE])

    assert user.primary_role == "finance"
    user.revoke_role(Role.FINANCE)
    user.revoke_role(Role.OWNER)
    assert user.primary_role is None
    assert user.permissions == frozenset()


# ---- replay ---------------------------------------------------------------------------


def test_replaying_the_events_rebuilds_the_same_account() -> None:
    user = User(username="bob", display_name="Bob", roles=[Role.OWNER], password_hash="$fake")
    attempt(user, ok=True, at=T0, session_id="s-1")
    for i in range(5):
        attempt(user, ok=False, at=T0 + timedelta(minutes=1 + i))
    user.grant_role(Role.FINANCE)
    events = user.collect_events()

    replayed = None
    for e in events:
        replayed = e.mutate(replayed)

    assert isinstance(replayed, User)
    assert replayed.id == user.id and replayed.version == user.version
    assert replayed.status is UserStatus.LOCKED
    assert replayed.locked_until == user.locked_until
    assert replayed.sessions == user.sessions
    assert replayed.recent_failures == user.recent_failures
    assert replayed.roles == {Role.OWNER, Role.FINANCE}


def test_an_administrator_id_is_recorded_on_an_unlock() -> None:
    user = given_user()
    given_wrong_passwords(user, 5)
    who = uuid4()

    user.unlock(at=T0 + timedelta(hours=1), by=who)

    [unlocked] = user.collect_events()
    assert unlocked.by == who  # type: ignore[attr-defined]
    assert unlocked.reason == "unlocked by an administrator"  # type: ignore[attr-defined]


def test_a_login_beyond_the_session_limit_ends_the_least_recently_used_session() -> None:
    user = given_user()
    for n in range(MAX_SESSIONS):
        attempt(user, ok=True, at=T0 + timedelta(minutes=n), session_id=f"s-{n}")
    # s-0 was refreshed since: s-1 is now the one used least recently.
    rotate(user, generation=0, at=T0 + timedelta(hours=1), session_id="s-0")
    user.collect_events()

    later = T0 + timedelta(hours=2)
    assert attempt(user, ok=True, at=later, session_id="new") is LoginResult.SUCCEEDED

    events = user.collect_events()
    assert [type(e).__name__ for e in events] == ["SessionRevoked", "LoginSucceeded"]
    assert events[0].session_id == "s-1"  # type: ignore[attr-defined]
    assert events[0].reason == SESSION_LIMIT  # type: ignore[attr-defined]
    assert len(user.sessions) == MAX_SESSIONS
    assert user.session_is_active("new") and user.session_is_active("s-0")
    assert not user.session_is_active("s-1")


def test_sessions_stay_bounded_however_often_a_user_logs_in() -> None:
    user = given_user()
    for n in range(5 * MAX_SESSIONS):
        attempt(user, ok=True, at=T0 + timedelta(seconds=n), session_id=f"s-{n}")
    assert len(user.sessions) == MAX_SESSIONS
    # the newest ones are the ones kept
    assert set(user.sessions) == {f"s-{n}" for n in range(4 * MAX_SESSIONS, 5 * MAX_SESSIONS)}
