"""The login/lockout state machine (R2.4), explored by Hypothesis.

Random sequences of wrong and right passwords, passing time, administrators'
locks and unlocks, disables and enables. After every step the machine checks
the rules that must hold whatever happened before, read from the recorded
events rather than from the aggregate's own bookkeeping, and that replaying
those events rebuilds exactly the live aggregate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.identity.policy import Role
from domain.identity.user import MAX_SESSIONS, LockoutPolicy, LoginResult, User, UserStatus
from tests.support.examples import examples

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = LockoutPolicy()  # 5 failures within 15 minutes, 15 minutes cool-down
REFRESH_TTL = timedelta(hours=3)  # short, so sessions also expire within a run
ADMIN_ID = UUID("00000000-0000-4000-8000-00000000ad01")
STATUS_EVENTS = {"AccountLocked", "AccountUnlocked", "AccountDisabled", "AccountEnabled"}

# Mostly short pauses (so five failures can land inside one window), plus the
# exact boundaries, plus the occasional long one.
PAUSES = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=5)),
    st.sampled_from(
        [
            POLICY.window,
            POLICY.window - timedelta(microseconds=1),
            POLICY.cooldown,
            POLICY.cooldown - timedelta(microseconds=1),
        ]
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=4)),
)


def name_of(event: Any) -> str:
    return type(event).__name__


class LoginLockoutMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.user = User(
            username="carol", display_name="Carol", roles=[Role.OWNER], password_hash="$fake"
        )
        self.events: list[Any] = list(self.user.collect_events())
        self.sessions_opened = 0
        # The model's expectation, kept apart from the aggregate's own state.
        self.expected_status = UserStatus.NORMAL
        self.lock_ends: datetime | None = None  # None while locked: an administrator's lock
        self.counted_failures: list[datetime] = []
        self.expected_sessions: dict[str, datetime] = {}

    # ---- helpers -------------------------------------------------------------

    def _attempt(self, ok: bool) -> tuple[LoginResult, list[str]]:
        self.sessions_opened += 1
        session_id = f"s-{self.sessions_opened}"
        result = self.user.attempt_login(
            password_ok=ok,
            at=self.now,
            client_ip="203.0.113.7",
            user_agent="hypothesis",
            session_id=session_id,
            refresh_expires_at=self.now + REFRESH_TTL,
            policy=POLICY,
        )
        new = self.user.collect_events()
        self.events.extend(new)
        if result is LoginResult.SUCCEEDED:
            live = {s: ends for s, ends in self.expected_sessions.items() if ends > self.now}
            # At the limit, the sessions used least recently end (MAX_SESSIONS).
            for s in self._beyond_the_limit(live):
                del live[s]
            self.expected_sessions = live
            self.expected_sessions[session_id] = self.now + REFRESH_TTL
        return result, [name_of(e) for e in new]

    def _beyond_the_limit(self, live: dict[str, datetime]) -> list[str]:
        oldest_first = sorted(live, key=lambda s: (live[s], s))
        return oldest_first[: max(0, len(live) - MAX_SESSIONS + 1)]

    def _revoked_by_a_login(self) -> int:
        live = {s: ends for s, ends in self.expected_sessions.items() if ends > self.now}
        return len(self._beyond_the_limit(live))

    def _record(self) -> list[str]:
        new = self.user.collect_events()
        self.events.extend(new)
        return [name_of(e) for e in new]

    def _cool_down_has_ended(self) -> bool:
        return (
            self.expected_status is UserStatus.LOCKED
            and self.lock_ends is not None
            and self.now >= self.lock_ends
        )

    def _reset_count(self) -> None:
        self.counted_failures = []

    # ---- rules ---------------------------------------------------------------

    @rule()
    def wrong_password(self) -> None:
        expired = self._cool_down_has_ended()
        if expired:
            self.expected_status, self.lock_ends = UserStatus.NORMAL, None
            self._reset_count()
        result, names = self._attempt(ok=False)
        prefix = ["AccountUnlocked"] if expired else []
        if self.expected_status is UserStatus.DISABLED:
            assert result is LoginResult.DISABLED
            assert names == [*prefix, "LoginFailed"]
        elif self.expected_status is UserStatus.LOCKED:
            assert result is LoginResult.LOCKED
            assert names == [*prefix, "LoginFailed"]
        else:
            assert result is LoginResult.WRONG_PASSWORD
            self.counted_failures.append(self.now)
            in_window = [t for t in self.counted_failures if self.now - t < POLICY.window]
            if len(in_window) >= POLICY.threshold:
                assert names == [*prefix, "LoginFailed", "AccountLocked"]
                self.expected_status = UserStatus.LOCKED
                self.lock_ends = self.now + POLICY.cooldown
            else:
                assert names == [*prefix, "LoginFailed"]
        assert self.user.status is self.expected_status

    @rule(
        times=st.integers(min_value=2, max_value=6),
        gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=4)),
    )
    def someone_guesses_several_times(self, times: int, gap: timedelta) -> None:
        for i in range(times):
            if i:
                self.now += gap
            self.wrong_password()

    @rule()
    def right_password(self) -> None:
        was_disabled = self.expected_status is UserStatus.DISABLED
        expired = self._cool_down_has_ended()
        if expired:
            self.expected_status, self.lock_ends = UserStatus.NORMAL, None
        revoked = self._revoked_by_a_login()
        result, names = self._attempt(ok=True)
        if was_disabled:
            assert result is LoginResult.DISABLED
            assert names == ["LoginFailed"]
        elif self.expected_status is UserStatus.NORMAL:
            # After the cool-down (or with no lock at all) the right password always works.
            assert result is LoginResult.SUCCEEDED
            assert names == (
                (["AccountUnlocked"] if expired else [])
                + ["SessionRevoked"] * revoked
                + ["LoginSucceeded"]
            )
            self._reset_count()
        else:
            assert result is LoginResult.LOCKED
            assert names == ["LoginFailed"]
        assert self.user.status is self.expected_status

    @rule(pause=PAUSES)
    def time_passes(self, pause: timedelta) -> None:
        self.now += pause

    @precondition(lambda self: self.lock_ends is not None and self.now < self.lock_ends)
    @rule(
        offset=st.sampled_from([timedelta(0), -timedelta(microseconds=1), timedelta(seconds=1)]),
        then_right_password=st.booleans(),
    )
    def time_passes_to_the_end_of_the_cool_down(
        self, offset: timedelta, then_right_password: bool
    ) -> None:
        assert self.lock_ends is not None
        self.now = max(self.now, self.lock_ends + offset)
        if then_right_password:
            self.right_password()

    @precondition(lambda self: self.user.status is UserStatus.LOCKED)
    @rule()
    def administrator_unlocks(self) -> None:
        self.user.unlock(at=self.now, by=ADMIN_ID)
        assert self._record() == ["AccountUnlocked"]
        self.expected_status, self.lock_ends = UserStatus.NORMAL, None
        self._reset_count()

    @precondition(
        lambda self: (
            self.user.status is UserStatus.NORMAL
            or (self.user.status is UserStatus.LOCKED and self.lock_ends is not None)
        )
    )
    @rule()
    def administrator_locks(self) -> None:
        self.user.lock(at=self.now, reason="suspicious activity", by=ADMIN_ID)
        assert self._record() == ["AccountLocked"]
        self.expected_status, self.lock_ends = UserStatus.LOCKED, None
        self.expected_sessions = {}

    @precondition(lambda self: self.user.status is not UserStatus.DISABLED)
    @rule()
    def administrator_disables(self) -> None:
        self.user.disable(at=self.now, reason="left the company")
        assert self._record() == ["AccountDisabled"]
        self.expected_status, self.lock_ends = UserStatus.DISABLED, None
        self.expected_sessions = {}

    @precondition(lambda self: self.user.status is UserStatus.DISABLED)
    @rule()
    def administrator_enables(self) -> None:
        self.user.enable(at=self.now)
        assert self._record() == ["AccountEnabled"]
        self.expected_status = UserStatus.NORMAL
        self._reset_count()

    # ---- invariants, read from the recorded events -----------------------------

    @invariant()
    def locked_only_after_a_lock_event(self) -> None:
        if self.user.status is UserStatus.LOCKED:
            changes = [name_of(e) for e in self.events if name_of(e) in STATUS_EVENTS]
            assert changes and changes[-1] == "AccountLocked"

    @invariant()
    def automatic_lock_only_after_threshold_failures_within_the_window(self) -> None:
        failures: list[datetime] = []
        for e in self.events:
            name = name_of(e)
            if name == "LoginFailed" and e.reason == "wrong password":
                failures.append(e.at)
            elif name in ("LoginSucceeded", "AccountUnlocked", "AccountEnabled"):
                failures = []
            elif name == "AccountLocked" and e.by is None:
                recent = [t for t in failures if e.at - t < POLICY.window]
                assert len(recent) >= POLICY.threshold
                assert e.until == e.at + POLICY.cooldown

    @invariant()
    def a_disabled_account_never_logs_in(self) -> None:
        disabled = False
        for e in self.events:
            name = name_of(e)
            if name == "AccountDisabled":
                disabled = True
            elif name == "AccountEnabled":
                disabled = False
            elif name == "LoginSucceeded":
                assert not disabled

    @invariant()
    def sessions_match_the_model(self) -> None:
        assert set(self.user.sessions) == set(self.expected_sessions)
        for session_id in self.expected_sessions:
            assert self.user.session_is_active(session_id) == (
                self.user.status is not UserStatus.DISABLED
                and not (self.user.status is UserStatus.LOCKED and self.lock_ends is None)
            )

    @invariant()
    def replaying_the_events_rebuilds_the_live_aggregate(self) -> None:
        replayed: Any = None
        for e in self.events:
            replayed = e.mutate(replayed)
        assert isinstance(replayed, User)
        assert replayed.version == self.user.version
        assert replayed.status is self.user.status
        assert replayed.locked_until == self.user.locked_until
        assert replayed.sessions == self.user.sessions
        assert replayed.recent_failures == self.user.recent_failures
        assert replayed.roles == self.user.roles


LoginLockoutMachine.TestCase.settings = settings(
    max_examples=examples(300),
    stateful_step_count=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_login_lockout_state_machine = LoginLockoutMachine.TestCase
