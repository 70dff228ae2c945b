"""Billing use cases over the in-memory fakes: admission, settlement exact to the micro-unit and
idempotent, alerts once per crossing, force-release at zero, reconciliation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.audit.models import Actor
from chalicelib.billing.models import TOPUP, BillingPolicy, Meter, charge_for
from chalicelib.billing.service import BillingService
from chalicelib.core import errors
from chalicelib.core.clock import isoformat
from tests.fakes.billing import BillingStore, FakeBillingReader, FakeBillingUnitOfWork, FakeReleaser
from tests.fakes.clock import FakeClock

pytestmark = pytest.mark.unit

ORG = "org_1"
PRICE = 2_490_000  # micros per hour
ACTOR = Actor(user_id="usr_1", org_id=ORG, role="owner", operator=False, request_id="req")


class World:
    def __init__(self, policy: BillingPolicy | None = None) -> None:
        self.store = BillingStore(policy=policy)
        self.clock = FakeClock()
        self.releaser = FakeReleaser(self.store, self.clock)
        self.service = BillingService(
            FakeBillingReader(self.store),
            lambda: FakeBillingUnitOfWork(self.store),
            self.clock,
            self.releaser,
            shards=1,
        )

    def top_up(self, micros: int, cause: str = "p1") -> bool:
        return self.service.credit(ORG, f"topup:{cause}", TOPUP, micros, description="Top-up")

    def meter(self, allocation_id: str = "alc_1", price: int = PRICE) -> Meter:
        meter = Meter(allocation_id, ORG, "sku_1", price, "USD", isoformat(self.clock.now()))
        self.store.open_meter(meter)
        return meter


@pytest.fixture
def world() -> World:
    return World(BillingPolicy(low_balance_thresholds_micros=(10_000_000, 1_000_000), version=1))


# Wallets and credits -------------------------------------------------------------------------


def test_a_wallet_opens_once_with_the_welcome_credit_as_an_entry():
    w = World(BillingPolicy(welcome_credit_micros=5_000_000, version=1))
    wallet = w.service.wallet(ORG)
    assert wallet.balance_micros == 5_000_000
    w.service.wallet(ORG)
    assert [e.id for e in w.store.entries.values()] == [f"promotion:welcome:{ORG}"]
    assert w.store.event_types() == ["billing.credited"]
    assert w.service.reconcile() == []


def test_a_credit_is_posted_once_per_cause(world):
    assert world.top_up(20_000_000) is True
    assert world.top_up(20_000_000) is False  # a replayed webhook
    assert world.store.wallets[ORG].balance_micros == 20_000_000
    assert world.store.event_types() == ["billing.credited"]


def test_an_audited_credit_keeps_the_whole_entry(world):
    world.top_up(50_000_000)
    world.service.credit(ORG, "adjustment:1", "adjustment", -1_000, description="Correction", actor=ACTOR)
    (record,) = world.store.audit
    assert record.after is not None and record.after["wallet_delta_micros"] == -1_000
    assert {line["account"] for line in record.after["lines"]} == {"wallet", "revenue"}
    assert world.store.event_types() == ["billing.credited", "billing.debited"]


# Admission -----------------------------------------------------------------------------------


def test_admission_needs_the_policys_runway_at_the_new_burn(world):
    needed = PRICE * 600 // 3600  # the default runway: 600 s
    world.top_up(needed - 1)
    with pytest.raises(errors.InsufficientFundsError):
        world.service.check_can_start(ORG, PRICE)
    world.top_up(1, cause="p2")
    world.service.check_can_start(ORG, PRICE)
    world.meter()  # one running: the next one needs the runway for both
    with pytest.raises(errors.InsufficientFundsError):
        world.service.check_can_start(ORG, PRICE)


def test_admission_stops_at_the_daily_spend_cap(world):
    world.top_up(100_000_000)
    world.service.set_spend_cap(ACTOR, 1_000_000)
    world.meter()
    world.clock.advance(3600)
    world.service.settle("alc_1", world.clock.now())  # 2.49 spent today
    with pytest.raises(errors.SpendCapReachedError):
        world.service.check_can_start(ORG, PRICE)
    world.service.set_spend_cap(ACTOR, None)
    world.service.check_can_start(ORG, PRICE)
    assert [r.action for r in world.store.audit] == ["billing:spend_cap:update"] * 2


def test_a_frozen_wallet_starts_nothing_until_unfrozen(world):
    world.top_up(100_000_000)
    world.service.freeze(ORG, "dispute")
    with pytest.raises(errors.AccountFrozenError, match="dispute"):
        world.service.check_can_start(ORG, PRICE)
    world.service.freeze(ORG, None)
    world.service.check_can_start(ORG, PRICE)
    assert world.store.event_types()[-2:] == ["billing.frozen", "billing.unfrozen"]


# Settlement ----------------------------------------------------------------------------------


def test_settlement_is_exact_to_the_micro_unit_over_many_periods(world):
    world.top_up(100_000_000)
    world.meter()
    start = world.clock.now()
    total = 0
    for minute in range(1, 62):
        total += world.service.settle("alc_1", start + timedelta(minutes=minute, seconds=7 * minute % 60)).micros
    seconds = world.store.meters["alc_1"].settled_seconds
    assert total == charge_for(PRICE, seconds)  # N settlements sum to one charge of the whole
    assert world.store.wallets[ORG].balance_micros == 100_000_000 - total
    assert world.service.reconcile() == []
    usage = world.service.usage(ORG, "2026-11-01", "2026-11-30")
    assert (usage.total_seconds, usage.total_micros) == (seconds, total)
    assert [a.allocation_id for a in usage.by_allocation] == ["alc_1"]


def test_settling_the_same_period_again_bills_nothing(world):
    world.top_up(100_000_000)
    world.meter()
    until = world.clock.now() + timedelta(minutes=5)
    first = world.service.settle("alc_1", until)
    assert (first.settled_seconds, first.micros) == (300, charge_for(PRICE, 300))
    again = world.service.settle("alc_1", until)
    assert (again.settled_seconds, again.micros) == (0, 0)
    assert len([e for e in world.store.entries.values() if e.kind == "usage"]) == 1
    assert world.service.settle("alc_unknown", until).micros == 0


def test_a_settlement_that_lost_the_race_reads_the_cursor_again(world):
    """A concurrent settlement moved the cursor between our read and our commit: the next round
    reads it and bills only what is left."""
    world.top_up(100_000_000)
    world.meter()
    start = world.clock.now()
    reader = world.service._reader
    stale = reader.get_meter("alc_1")
    world.service.settle("alc_1", start + timedelta(minutes=2))
    reads = iter([stale])

    class StaleOnce(FakeBillingReader):
        def get_meter(self, allocation_id):
            return next(reads, None) or super().get_meter(allocation_id)

    racing = BillingService(
        StaleOnce(world.store), lambda: FakeBillingUnitOfWork(world.store), world.clock, world.releaser, shards=1
    )
    settled = racing.settle("alc_1", start + timedelta(minutes=3))
    assert settled.settled_seconds == 60
    assert world.store.meters["alc_1"].settled_seconds == 180
    assert world.service.reconcile() == []


def test_an_end_before_what_was_settled_gives_the_difference_back_and_closes_the_meter(world):
    world.top_up(100_000_000)
    meter = world.meter()
    start = world.clock.now()
    world.service.settle("alc_1", start + timedelta(minutes=5))
    world.store.meters["alc_1"] = replace(
        world.store.meters["alc_1"], ends_at=isoformat(start + timedelta(seconds=100))
    )
    back = world.service.settle("alc_1", start + timedelta(minutes=6))
    assert back.settled_seconds == -200 and back.micros == charge_for(PRICE, 100) - charge_for(PRICE, 300)
    assert world.store.wallets[ORG].balance_micros == 100_000_000 - charge_for(PRICE, 100)
    assert world.store.meters["alc_1"].finished
    assert world.service.open_meters(0, 10, None).items == []
    assert meter.allocation_id == "alc_1"


# Alerts --------------------------------------------------------------------------------------


def test_each_threshold_is_announced_once_per_crossing(world):
    world.top_up(12_000_000)
    world.meter(price=3_600_000)  # one micro-unit... a thousand per second
    start = world.clock.now()
    world.service.settle("alc_1", start + timedelta(seconds=2_500))  # 9.5 left: below 10
    world.service.settle("alc_1", start + timedelta(seconds=2_600))  # 9.4: still below, no repeat
    assert world.store.event_types().count("billing.low_balance") == 1
    world.top_up(5_000_000, cause="p2")  # back above 10: the threshold is armed again
    assert world.store.wallets[ORG].notified_thresholds == ()
    world.service.settle("alc_1", start + timedelta(seconds=7_700))  # down to 9.3
    assert world.store.event_types().count("billing.low_balance") == 2


def test_depletion_is_announced_and_restored(world):
    world.top_up(1_000)
    world.meter(price=3_600_000)
    world.service.settle("alc_1", world.clock.now() + timedelta(seconds=5))
    wallet = world.store.wallets[ORG]
    assert wallet.balance_micros < 0 and wallet.depleted_at is not None
    assert "billing.balance_depleted" in world.store.event_types()
    world.top_up(50_000_000, cause="p2")
    assert world.store.wallets[ORG].depleted_at is None
    assert world.store.event_types()[-1] == "billing.balance_restored"


# Force-release -------------------------------------------------------------------------------


def test_enforce_depletion_releases_after_the_grace_period_only(world):
    world.top_up(1_000)
    world.meter("alc_1", price=3_600_000)
    world.meter("alc_2", price=3_600_000)
    world.meter("alc_3", price=3_600_000)
    world.releaser.refuse["alc_2"] = errors.InvalidAllocationStateError()  # released meanwhile
    world.releaser.refuse["alc_3"] = RuntimeError("workflow down")  # tried again next sweep
    world.service.settle("alc_1", world.clock.now() + timedelta(seconds=5))
    world.clock.advance(299)
    assert world.service.enforce_depletion(world.clock.now()) == []
    world.clock.advance(2)
    assert world.service.enforce_depletion(world.clock.now()) == ["alc_1"]
    assert world.releaser.released == [(ORG, "alc_1", "balance_depleted")]
    forced = [e for e in world.store.outbox if e.type == "billing.force_released"]
    assert [e.data["allocation_ids"] for e in forced] == [["alc_1"]]
    del world.releaser.refuse["alc_3"]
    assert world.service.enforce_depletion(world.clock.now()) == ["alc_3"]


def test_a_wallet_topped_up_within_the_grace_period_keeps_running(world):
    world.top_up(1_000)
    world.meter(price=3_600_000)
    world.service.settle("alc_1", world.clock.now() + timedelta(seconds=5))
    world.top_up(10_000_000, cause="p2")
    world.clock.advance(3600)
    assert world.service.enforce_depletion(world.clock.now()) == []
    assert world.releaser.released == []


# Reconciliation, policy, reports -------------------------------------------------------------


def test_reconcile_reports_each_drift_once_as_an_event(world):
    world.top_up(10_000_000)
    world.service.wallet("org_2")
    world.store.wallets[ORG] = replace(world.store.wallets[ORG], balance_micros=10_000_123)
    (drift,) = world.service.reconcile()
    assert (drift.org_id, drift.balance_micros, drift.ledger_total_micros, drift.drift_micros) == (
        ORG,
        10_000_123,
        10_000_000,
        123,
    )
    (event,) = [e for e in world.store.outbox if e.type == "billing.drift_detected"]
    assert event.data == {"org_id": ORG, "balance_micros": 10_000_123, "ledger_total_micros": 10_000_000,
                          "drift_micros": 123}  # fmt: skip


def test_policy_changes_need_the_version_read(world):
    policy = world.service.set_policy(ACTOR, {"grace_seconds": 60}, expected_version=1)
    assert (policy.version, policy.grace_seconds) == (2, 60)
    with pytest.raises(errors.PreconditionFailedError):
        world.service.set_policy(ACTOR, {"grace_seconds": 90}, expected_version=1)
    (event,) = [e for e in world.store.outbox if e.type == "billing.policy_changed"]
    assert event.data["policy"]["grace_seconds"] == 60 and event.data["policy"]["version"] == 2
    (record,) = world.store.audit
    assert record.before is not None and record.before["grace_seconds"] == 300


def test_a_statement_opens_where_the_last_month_closed(world):
    world.clock.moment = world.clock.moment.replace(month=10, day=31)
    world.top_up(10_000_000)
    world.clock.moment = world.clock.moment.replace(month=11, day=2)
    world.top_up(5_000_000, cause="p2")
    world.clock.advance(1)
    world.service.credit(ORG, "refund:r1", "refund", -1_000_000, description="Refund")
    statement = world.service.statement(ORG, "2026-11")
    assert statement.opening_balance_micros == 10_000_000
    assert dict(statement.movements_micros) == {"refund": -1_000_000, "topup": 5_000_000}
    assert statement.closing_balance_micros == 14_000_000
    assert [e.id for e in statement.entries] == ["topup:p2", "refund:r1"]
    with pytest.raises(errors.ValidationFailedError):
        world.service.usage(ORG, "2026-11-30", "2026-11-01")


def test_an_uncommitted_unit_of_work_leaves_no_trace(world):
    world.top_up(10_000_000)
    before = world.store.state()
    uow = FakeBillingUnitOfWork(world.store)
    uow.set_frozen(ORG, "dispute")
    uow.record(next(iter(world.store.entries.values())))  # refused: the entry exists
    with pytest.raises(errors.LedgerEntryExistsError):
        uow.commit()
    assert world.store.state() == before


# Runway warning ------------------------------------------------------------------------------


def test_the_runway_warning_is_announced_once_per_crossing_per_org(world):
    world.top_up(3_600_000)  # one hour at 3.6 per hour
    world.meter("alc_1", price=1_800_000)
    world.meter("alc_2", price=1_800_000)
    start = world.clock.now()
    world.service.settle("alc_1", start + timedelta(seconds=1_900))  # 3600 - 950 s: runway 2650 s
    assert "allocation.expiring" not in world.store.event_types()
    world.service.settle("alc_2", start + timedelta(seconds=1_900))  # 3600 - 1900: runway 1700 s < 1800
    world.service.settle("alc_1", start + timedelta(seconds=1_960))  # still below: nothing new
    [expiring] = [e for e in world.store.outbox if e.type == "allocation.expiring"]
    assert expiring.subject == ORG and expiring.data["allocation_ids"] == ["alc_1", "alc_2"]
    assert expiring.data["runway_seconds"] == 1_700 and expiring.data["threshold_seconds"] == 1_800
    assert expiring.data["version"] == world.store.wallets[ORG].version - 1  # the balance before the last move
    world.top_up(10_000_000, cause="p2")  # well above: armed again
    assert world.store.wallets[ORG].runway_warned is False
    world.service.settle("alc_1", start + timedelta(seconds=20_000))
    world.service.settle("alc_2", start + timedelta(seconds=20_000))
    assert world.store.event_types().count("allocation.expiring") == 2


def test_balance_events_carry_the_wallet_version_every_balance_change_increments(world):
    world.top_up(1_000)
    opened = world.store.wallets[ORG].version
    world.meter(price=3_600_000)
    world.service.settle("alc_1", world.clock.now() + timedelta(seconds=5))
    assert world.store.wallets[ORG].version == opened + 1
    [depleted] = [e for e in world.store.outbox if e.type == "billing.balance_depleted"]
    assert depleted.data["version"] == opened + 1
    # The top-up itself crossed both thresholds: they report the balance the top-up left.
    assert {e.data["version"] for e in world.store.outbox if e.type == "billing.low_balance"} == {opened}


def test_a_zero_runway_warning_turns_it_off():
    w = World(BillingPolicy(runway_warning_seconds=0, version=1))
    w.top_up(1_000)
    w.meter(price=3_600_000)
    w.service.settle("alc_1", w.clock.now() + timedelta(seconds=5))
    assert "allocation.expiring" not in w.store.event_types()
