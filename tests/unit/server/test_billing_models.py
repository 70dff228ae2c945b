"""Billing arithmetic: integer micro-units, per-second charges that never drift, corrections,
thresholds announced once per crossing, double entries that balance."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.billing.models import (
    PROMOTIONAL_CREDIT,
    REVENUE,
    WALLET,
    BillingPolicy,
    LedgerEntry,
    Line,
    Meter,
    charge_for,
    crossed_thresholds,
    minute_floor,
    month_bounds,
    runway_seconds,
)
from chalicelib.core import errors
from chalicelib.storage.billing_repo import ledger_entry_from, ledger_entry_item, meter_from, meter_item

T0 = datetime(2026, 11, 26, 12, 0, 0, 250000, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def meter(price: int = 2_490_000, **changes) -> Meter:
    base = dict(allocation_id="alc_1", org_id="org_1", sku_id="sku_1", price_per_hour_micros=price,
                currency="USD", started_at=iso(T0))  # fmt: skip
    base.update(changes)
    return Meter(**base)


def test_charges_are_floors_of_the_exact_price():
    assert charge_for(3_600_000, 1) == 1000
    assert charge_for(2_490_000, 1) == 691  # 691.66... rounded down
    assert charge_for(2_490_000, 3600) == 2_490_000


def test_many_small_settlements_sum_to_one_big_one():
    m = meter()
    total = 0
    for minute in range(1, 61):
        m, _, micros = m.settle(T0 + timedelta(seconds=60 * minute + 7))
        total += micros
    assert total == charge_for(2_490_000, 3607) == m.settled_micros
    assert m.settled_seconds == 3607


def test_settling_an_earlier_period_again_changes_nothing():
    m, seconds, micros = meter().settle(T0 + timedelta(minutes=5))
    assert (seconds, micros) == (300, charge_for(2_490_000, 300))
    again, seconds, micros = m.settle(T0 + timedelta(minutes=3))
    assert again == m and (seconds, micros) == (0, 0)


def test_an_end_before_what_was_settled_gives_the_difference_back():
    m, _, _ = meter().settle(T0 + timedelta(minutes=5))
    ended = replace(m, ends_at=iso(T0 + timedelta(seconds=100)))
    after, seconds, micros = ended.settle(T0 + timedelta(minutes=6))
    assert seconds == -200 and micros == charge_for(2_490_000, 100) - charge_for(2_490_000, 300)
    assert after.finished and after.settled_micros == charge_for(2_490_000, 100)
    assert after.settle(T0 + timedelta(minutes=9))[1:] == (0, 0)


def test_a_meter_stops_at_its_end():
    m = meter(ends_at=iso(T0 + timedelta(seconds=42)))
    after, seconds, _ = m.settle(T0 + timedelta(hours=1))
    assert seconds == 42 and after.finished
    assert not meter().settle(T0 + timedelta(hours=1))[0].finished


def test_entries_must_balance_and_name_known_accounts():
    entry = LedgerEntry.wallet_against("promotion:x", "org_1", "promotion", 5, PROMOTIONAL_CREDIT, currency="USD",
                                       at="t", description="d")  # fmt: skip
    assert entry.wallet_delta == 5 and sum(line.amount_micros for line in entry.lines) == 0
    assert ledger_entry_from(ledger_entry_item(entry)) == entry  # stored attribute by attribute, read back whole
    with pytest.raises(ValueError, match="does not balance"):
        LedgerEntry("x", "org_1", "usage", (Line(WALLET, -5), Line(REVENUE, 4)), "USD", "t", "d")
    with pytest.raises(ValueError, match="unknown account"):
        LedgerEntry("x", "org_1", "usage", (Line(WALLET, -5), Line("cash", 5)), "USD", "t", "d")


def test_thresholds_are_announced_once_per_crossing():
    policy = BillingPolicy(low_balance_thresholds_micros=(10_000_000, 1_000_000))
    assert crossed_thresholds(20_000_000, policy, ()) == ()
    assert crossed_thresholds(9_000_000, policy, ()) == (10_000_000,)
    assert crossed_thresholds(500_000, policy, (10_000_000,)) == (1_000_000,)
    assert crossed_thresholds(500_000, policy, (10_000_000, 1_000_000)) == ()


def test_runway_and_periods():
    assert runway_seconds(3_600_000, 3_600_000) == 3600
    assert runway_seconds(-5, 3_600_000) == 0
    assert runway_seconds(100, 0) is None
    assert minute_floor(T0) == T0.replace(second=0, microsecond=0)
    start, end = month_bounds("2026-12")
    assert (start.month, end.year, end.month) == (12, 2027, 1)
    with pytest.raises(errors.ValidationFailedError):
        month_bounds("2026-13")


def test_policy_changes_are_versioned_and_checked():
    policy = BillingPolicy().with_changes({"grace_seconds": 60, "low_balance_thresholds_micros": (1, 5)})
    assert policy.version == 1 and policy.grace_seconds == 60 and policy.low_balance_thresholds_micros == (5, 1)
    with pytest.raises(errors.ValidationFailedError):
        policy.with_changes({"checkout_min_micros": 10, "checkout_max_micros": 5})


def test_a_meter_is_stored_attribute_by_attribute_and_read_back_whole():
    m, _, _ = meter().settle(T0 + timedelta(minutes=5))
    ended = replace(m, ends_at=iso(T0 + timedelta(minutes=7)))
    for value in (meter(), m, ended):
        assert meter_from(meter_item(value)) == value
    assert meter_item(ended).GSI2PK is None and meter_item(m).GSI2PK is not None
