from datetime import UTC, datetime, timedelta

from services.management.domain.lockout import (
    LockoutPolicy,
    LoginState,
    after_failure,
    after_success,
    locked,
)

NOW = datetime(2026, 11, 29, 8, tzinfo=UTC)
POLICY = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=15))


def test_the_third_failure_in_a_row_locks_for_the_policy_period() -> None:
    state = LoginState(0, None)
    for _ in range(2):
        state = after_failure(state, NOW, POLICY)
        assert not locked(state, NOW)
    state = after_failure(state, NOW, POLICY)
    assert locked(state, NOW)
    assert locked(state, NOW + timedelta(minutes=14, seconds=59))
    assert not locked(state, NOW + timedelta(minutes=15))


def test_a_success_clears_the_count() -> None:
    state = after_failure(after_failure(LoginState(0, None), NOW, POLICY), NOW, POLICY)
    state = after_success()
    assert after_failure(state, NOW, POLICY).failures == 1
