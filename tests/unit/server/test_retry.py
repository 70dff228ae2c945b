from __future__ import annotations

import pytest

from chalicelib.core import errors
from chalicelib.core.retry import retry_on_conflict
from chalicelib.payments.models import RefundAlreadyRecorded

pytestmark = pytest.mark.unit


def test_a_lost_race_is_read_again_until_it_wins():
    calls = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise errors.ConcurrentUpdateError()
        return "won"

    assert retry_on_conflict(attempt, rounds=5) == "won"
    assert len(calls) == 3


def test_the_last_rounds_conflict_reaches_the_caller():
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise errors.ConcurrentUpdateError()

    with pytest.raises(errors.ConcurrentUpdateError):
        retry_on_conflict(attempt, rounds=4)
    assert len(calls) == 4


def test_a_refinement_of_the_conflict_is_an_answer_not_a_race():
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise RefundAlreadyRecorded()

    with pytest.raises(RefundAlreadyRecorded):
        retry_on_conflict(attempt)
    assert len(calls) == 1
