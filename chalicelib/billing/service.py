"""Billing use cases: wallets and their ledger, per-second settlement of meters, runway, alerts,
force-release at zero, reconciliation, policy, reports.

Settlement is exactly once per second of use: a meter's cursor (settled seconds) moves only under
a condition on its previous value, in the same transaction as the ledger entry (whose id names the
seconds it covers) and the wallet's balance. Two sweeps at once, or a sweep that died half way and
runs again, find the cursor moved and do nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.billing.models import (
    ADJUSTMENT,
    DISPUTE,
    DISPUTES,
    PROMOTION,
    PROMOTIONAL_CREDIT,
    REFUND,
    REFUNDS,
    REVENUE,
    STRIPE_CLEARING,
    TOPUP,
    USAGE,
    AllocationUsage,
    Balance,
    BillingPolicy,
    DayUsage,
    Drift,
    LedgerEntry,
    Meter,
    Settlement,
    SpendCap,
    Statement,
    UsageReport,
    Wallet,
    crossed_thresholds,
    day_of,
    minute_floor,
    month_bounds,
    parse_time,
    runway_seconds,
)
from chalicelib.billing.payloads import drift_data, ledger_entry_audit, ledger_entry_data, policy_data, spend_cap_audit
from chalicelib.billing.ports import AllocationReleaser, BillingReader, BillingUnitOfWork, BillingUnitOfWorkFactory
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.core.retry import retry_on_conflict

CONTEXT = "billing"
_ROUNDS = 5
# Counting an org's entries while its money moves is retried this often before the next hourly run.
_DRIFT_ROUNDS = 3
POLICY_CACHE_SECONDS = 30.0
# Usage is booked on the day of the last second it covers: the minute that ends at midnight
# belongs to the day before.
_LAST_INSTANT = timedelta(microseconds=1)
logger = logging.getLogger(__name__)


def _event(event_type: str, org_id: str, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent(type=event_type, subject=org_id, data={"org_id": org_id, **data}, context=CONTEXT)


class BillingService:
    def __init__(
        self,
        reader: BillingReader,
        unit_of_work: BillingUnitOfWorkFactory,
        clock: Clock,
        releaser: AllocationReleaser,
        *,
        shards: int = 16,
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._clock = clock
        self._releaser = releaser
        self._shards = shards
        self._policy_cache: tuple[float, BillingPolicy] | None = None

    def _now(self) -> str:
        return isoformat(self._clock.now())

    # Wallets ------------------------------------------------------------------------------

    def wallet(self, org_id: str) -> Wallet:
        """The org's wallet, opened on first use with the policy's welcome credit (a ledger entry
        like any other, granted once per org by its id)."""
        wallet = self._reader.get_wallet(org_id)
        if wallet is not None:
            return wallet
        policy = self._reader.get_policy()
        now = self._now()
        credit = policy.welcome_credit_micros
        wallet = Wallet(org_id=org_id, currency=policy.currency, balance_micros=credit, created_at=now)
        uow = self._uow()
        uow.create_wallet(wallet)  # opened with the credit's balance: one write of the wallet
        if credit > 0:
            entry = LedgerEntry.wallet_against(
                f"{PROMOTION}:welcome:{org_id}",
                org_id,
                PROMOTION,
                policy.welcome_credit_micros,
                PROMOTIONAL_CREDIT,
                currency=policy.currency,
                at=now,
                description="Welcome credit",
            )
            uow.record(entry)
            uow.emit(_event("billing.credited", org_id, ledger_entry_data(entry)))
        with contextlib.suppress(errors.ConcurrentUpdateError, errors.LedgerEntryExistsError):
            uow.commit()  # refused when a concurrent request opened it first
        opened = self._reader.get_wallet(org_id)
        assert opened is not None
        return opened

    def balance(self, org_id: str) -> Balance:
        wallet = self.wallet(org_id)
        burning = self._reader.burning_meters(org_id)
        burn = sum(m.price_per_hour_micros for m in burning)
        now = self._clock.now()
        # What is used but not yet settled counts: the balance shown is the balance now.
        unsettled = sum(m.settle(now)[2] for m in burning)
        balance = wallet.balance_micros - unsettled
        return Balance(
            wallet=wallet,
            balance_micros=balance,
            unsettled_usage_micros=unsettled,
            burn_rate_per_hour_micros=burn,
            runway_seconds=runway_seconds(balance, burn),
            active_allocations=len(burning),
            as_of=isoformat(now),
        )

    def credit(
        self,
        org_id: str,
        entry_id: str,
        kind: str,
        amount_micros: int,
        *,
        description: str,
        cause: dict[str, Any] | None = None,
        actor: Actor | None = None,
    ) -> bool:
        """Move ``amount_micros`` into (positive) or out of (negative) the wallet against the account
        the kind implies. False when this entry was posted before (a retry, a replayed webhook)."""
        uow = self._uow()
        self.post_credit(uow, org_id, entry_id, kind, amount_micros, description=description, cause=cause, actor=actor)
        try:
            uow.commit()
        except errors.LedgerEntryExistsError:
            return False
        self._check_alerts(org_id)
        return True

    def post_credit(
        self,
        uow: BillingUnitOfWork,
        org_id: str,
        entry_id: str,
        kind: str,
        amount_micros: int,
        *,
        description: str,
        cause: dict[str, Any] | None = None,
        actor: Actor | None = None,
    ) -> LedgerEntry:
        """What ``credit`` writes, added to ``uow`` (another use case's transaction, e.g. a payment's
        webhook, commits it with its own writes); LEDGER_ENTRY_EXISTS at commit when posted before."""
        counter = {TOPUP: STRIPE_CLEARING, REFUND: REFUNDS, PROMOTION: PROMOTIONAL_CREDIT, DISPUTE: DISPUTES}.get(
            kind, REVENUE if kind in (USAGE, ADJUSTMENT) else None
        )
        if counter is None:
            raise ValueError(f"unknown entry kind {kind}")
        wallet = self.wallet(org_id)
        entry = LedgerEntry.wallet_against(
            entry_id,
            org_id,
            kind,
            amount_micros,
            counter,
            currency=wallet.currency,
            at=self._now(),
            description=description,
            cause=cause,
        )
        uow.post(entry)
        if amount_micros >= 0:
            uow.emit(_event("billing.credited", org_id, ledger_entry_data(entry)))
        else:
            uow.emit(_event("billing.debited", org_id, ledger_entry_data(entry)))
        if actor is not None:
            uow.audit(
                record(f"billing:{kind}", entry_id, actor, entry.at, after=ledger_entry_audit(entry), org_id=org_id)
            )
        return entry

    def check_alerts(self, org_id: str) -> None:
        """After a balance change committed elsewhere (``post_credit``): alerts, as after a credit."""
        self._check_alerts(org_id)

    def freeze(self, org_id: str, reason: str | None) -> None:
        """A disputed payment freezes new allocations until an operator lifts it (reason None)."""
        self.wallet(org_id)
        uow = self._uow()
        uow.set_frozen(org_id, reason)
        if reason:
            uow.emit(_event("billing.frozen", org_id, {"reason": reason}))
        else:
            uow.emit(_event("billing.unfrozen", org_id, {"reason": None}))
        uow.commit()

    def set_stripe_customer(self, org_id: str, customer_id: str) -> None:
        uow = self._uow()
        uow.set_stripe_customer(org_id, customer_id)
        uow.commit()

    # Admission ----------------------------------------------------------------------------

    def check_can_start(self, org_id: str, price_per_hour_micros: int) -> None:
        """Refuse a new allocation the org cannot pay for: frozen, over its daily cap, or without
        the policy's minimum runway at its burn rate including the new allocation."""
        wallet = self.wallet(org_id)
        if wallet.frozen_reason:
            raise errors.AccountFrozenError(f"New allocations are frozen: {wallet.frozen_reason}")
        policy = self._reader.get_policy()
        cap = self._reader.get_spend_cap(org_id)
        if cap is not None and cap.daily_cap_micros is not None:
            spent = self._reader.daily_spend(org_id, day_of(self._clock.now()))
            if spent >= cap.daily_cap_micros:
                raise errors.SpendCapReachedError(
                    f"Today's spend ({spent} micros) reached the org's daily cap ({cap.daily_cap_micros} micros)"
                )
        view = self.balance(org_id)
        burn = view.burn_rate_per_hour_micros + price_per_hour_micros
        needed = burn * policy.min_runway_seconds // 3600
        if view.balance_micros < needed:
            raise errors.InsufficientFundsError(
                f"A balance of {needed} micros is needed for {policy.min_runway_seconds} s of runway; "
                f"the balance is {view.balance_micros}"
            )

    # Settlement ---------------------------------------------------------------------------

    def shards(self) -> range:
        return range(self._shards)

    def open_meters(self, shard: int, limit: int, cursor: str | None) -> Page:
        return self._reader.open_meters(shard, limit, cursor)

    def settle(self, allocation_id: str, until: datetime) -> Settlement:
        """Bill the allocation's use up to ``until`` (a period's end, or now at release)."""
        settled, org_id = retry_on_conflict(lambda: self._settle_once(allocation_id, until), rounds=_ROUNDS)
        if org_id is not None:
            self._check_alerts(org_id)
        return settled

    def _settle_once(self, allocation_id: str, until: datetime) -> tuple[Settlement, str | None]:
        """One round: the settlement, and the org whose balance it moved (None when nothing moved)."""
        nothing = Settlement(allocation_id, 0, 0)
        meter = self._reader.get_meter(allocation_id)
        if meter is None:
            return nothing, None
        after, seconds, micros = meter.settle(until)
        if seconds == 0:
            if meter.finished:
                self._close(meter)
            return nothing, None
        period_end = min(until, parse_time(meter.ends_at)) if meter.ends_at else until
        entry = LedgerEntry.wallet_against(
            f"{USAGE}:{allocation_id}:{meter.settled_seconds}-{after.settled_seconds}",
            meter.org_id,
            USAGE,
            -micros,
            REVENUE,
            currency=meter.currency,
            at=self._now(),
            description=f"GPU usage of {allocation_id}: {seconds} s"
            if seconds > 0
            else f"Usage correction of {allocation_id}: {-seconds} s past its end given back",
            allocation_id=allocation_id,
            cause={"from_second": meter.settled_seconds, "to_second": after.settled_seconds},
        )
        uow = self._uow()
        uow.settle(meter, after, entry, day_of(period_end - _LAST_INSTANT), seconds)
        try:
            uow.commit()
        except errors.LedgerEntryExistsError as exc:
            # Another settlement posted these seconds and moved the cursor: read it again.
            raise errors.ConcurrentUpdateError() from exc
        return Settlement(allocation_id, seconds, micros), meter.org_id

    def _close(self, meter: Meter) -> None:
        uow = self._uow()
        uow.close_meter(meter)
        with contextlib.suppress(errors.ConcurrentUpdateError):
            uow.commit()  # closed (or moved) by a concurrent settlement

    @staticmethod
    def period_end(moment: datetime) -> datetime:
        return minute_floor(moment)

    # Alerts and force-release -------------------------------------------------------------

    def _check_alerts(self, org_id: str) -> None:
        """Announce each low-balance threshold once per crossing, and depletion; clear them when
        the balance rises again."""
        # Lost every round: a concurrent change announces what it saw, and the next check the rest.
        with contextlib.suppress(errors.ConcurrentUpdateError):
            retry_on_conflict(lambda: self._announce(org_id), rounds=_ROUNDS)

    def _announce(self, org_id: str) -> None:
        wallet = self._reader.get_wallet(org_id)
        if wallet is None:
            return
        policy = self._cached_policy()
        balance = wallet.balance_micros
        crossed = crossed_thresholds(balance, policy, wallet.notified_thresholds)
        still = tuple(t for t in wallet.notified_thresholds if balance <= t)
        notified = tuple(sorted(set(still) | set(crossed), reverse=True))
        depleted_at = wallet.depleted_at
        events: list[DomainEvent] = []
        version = wallet.version  # of the balance these events report
        for threshold in crossed:
            events.append(
                _event(
                    "billing.low_balance",
                    org_id,
                    {"threshold_micros": threshold, "balance_micros": balance, "version": version},
                )
            )
        if balance <= 0 and depleted_at is None:
            depleted_at = self._now()
            grace = policy.grace_seconds
            events.append(
                _event(
                    "billing.balance_depleted",
                    org_id,
                    {"balance_micros": balance, "depleted_at": depleted_at, "grace_seconds": grace, "version": version},
                )
            )
        elif balance > 0 and depleted_at is not None:
            depleted_at = None
            events.append(_event("billing.balance_restored", org_id, {"balance_micros": balance}))
        runway_warned, expiring = self._runway_warning(wallet, policy)
        if expiring is not None:
            events.append(expiring)
        unchanged = (notified, depleted_at, runway_warned) == (
            wallet.notified_thresholds,
            wallet.depleted_at,
            wallet.runway_warned,
        )
        if unchanged:
            return
        uow = self._uow()
        uow.set_alerts(wallet, notified, depleted_at, runway_warned)
        for event in events:
            uow.emit(event)
        uow.commit()

    def _runway_warning(self, wallet: Wallet, policy: BillingPolicy) -> tuple[bool, DomainEvent | None]:
        """Whether the runway warning is out after this check, and the allocation.expiring that
        announces it when the runway just fell below the policy's threshold (one per org and
        crossing, naming every running allocation; again only after the runway rose to the
        threshold or nothing burned)."""
        threshold = policy.runway_warning_seconds
        if threshold <= 0:
            return False, None
        meters = [m for m in self._reader.burning_meters(wallet.org_id) if m.ends_at is None]
        burn = sum(m.price_per_hour_micros for m in meters)
        runway = runway_seconds(wallet.balance_micros, burn)
        below = runway is not None and runway < threshold
        if not below or wallet.runway_warned:
            return below, None
        data = {
            "allocation_ids": sorted(m.allocation_id for m in meters),
            "runway_seconds": runway,
            "threshold_seconds": threshold,
            "balance_micros": wallet.balance_micros,
            "burn_rate_per_hour_micros": burn,
            "currency": wallet.currency,
            "version": wallet.version,
        }
        return True, _event("allocation.expiring", wallet.org_id, data)

    def enforce_depletion(self, now: datetime) -> list[str]:
        """Release every active allocation of orgs at or below zero for longer than the grace
        period. Returns the allocation ids released."""
        grace = timedelta(seconds=self._reader.get_policy().grace_seconds)
        released: list[str] = []
        for wallet in self._reader.depleted_wallets():
            if wallet.depleted_at is None or parse_time(wallet.depleted_at) + grace > now:
                continue
            current = self._reader.get_wallet(wallet.org_id)
            if current is None or current.balance_micros > 0:
                continue
            meters = [m for m in self._reader.burning_meters(wallet.org_id) if m.ends_at is None]
            done: list[str] = []
            for meter in meters:
                try:
                    self._releaser.release(wallet.org_id, meter.allocation_id, "balance_depleted")
                except (errors.InvalidAllocationStateError, errors.AllocationNotFoundError):
                    continue  # released meanwhile
                except Exception:
                    # One allocation that cannot be released now must not keep the org's others
                    # running; the next sweep tries again (its meter still burns).
                    logger.exception("force-release failed", extra={"allocation_id": meter.allocation_id})
                    continue
                done.append(meter.allocation_id)
            if done:
                uow = self._uow()
                uow.emit(
                    _event(
                        "billing.force_released",
                        wallet.org_id,
                        {"allocation_ids": done, "depleted_at": wallet.depleted_at},
                    )
                )
                uow.commit()
                released += done
        return released

    # Reconciliation -----------------------------------------------------------------------

    def reconcile(self) -> list[Drift]:
        """Every wallet's balance against the sum of its ledger entries; each drift is an event."""
        drifts: list[Drift] = []
        cursor = None
        while True:
            page = self._reader.list_wallets(100, cursor)
            for org_id in page.items:
                drift = self._drift(org_id)
                if drift is not None:
                    drifts.append(drift)
            cursor = page.next_cursor
            if not cursor:
                break
        if drifts:
            uow = self._uow()
            for drift in drifts:
                uow.emit(_event("billing.drift_detected", drift.org_id, drift_data(drift)))
            uow.commit()
        return drifts

    def _drift(self, org_id: str) -> Drift | None:
        try:
            return retry_on_conflict(lambda: self._count(org_id), rounds=_DRIFT_ROUNDS)
        except errors.ConcurrentUpdateError:
            return None  # too busy to count now: the next run counts it

    def _count(self, org_id: str) -> Drift | None:
        before = self._reader.get_wallet(org_id)
        total = self._reader.wallet_total_of_entries(org_id)
        after = self._reader.get_wallet(org_id)
        if before is None or after is None or before.balance_micros != after.balance_micros:
            raise errors.ConcurrentUpdateError()  # money moved while we counted: count again
        if total == after.balance_micros:
            return None
        return Drift(org_id=org_id, balance_micros=after.balance_micros, ledger_total_micros=total)

    # Policy -------------------------------------------------------------------------------

    def policy(self) -> BillingPolicy:
        return self._reader.get_policy()

    def _cached_policy(self) -> BillingPolicy:
        """The policy as the hot path (every settlement's alert check) reads it: at most
        ``POLICY_CACHE_SECONDS`` old, so a change reaches every settling Lambda within that."""
        now = time.monotonic()
        if self._policy_cache is None or now - self._policy_cache[0] > POLICY_CACHE_SECONDS:
            self._policy_cache = (now, self._reader.get_policy())
        return self._policy_cache[1]

    def set_policy(self, actor: Actor, changes: dict[str, Any], expected_version: int | None) -> BillingPolicy:
        before = self._reader.get_policy()
        if expected_version is not None and expected_version != before.version:
            raise errors.PreconditionFailedError()
        after = before.with_changes(changes)
        uow = self._uow()
        uow.set_policy(before, after)
        uow.audit(
            record(
                "admin:billing_policy:update",
                "billing-policy",
                actor,
                self._now(),
                before=policy_data(before),
                after=policy_data(after),
                org_id="platform",
            )
        )
        uow.emit(_event("billing.policy_changed", "platform", {"policy": policy_data(after)}))
        uow.commit()
        self._policy_cache = None
        return after

    def spend_cap(self, org_id: str) -> SpendCap:
        cap = self._reader.get_spend_cap(org_id)
        return cap or SpendCap(org_id=org_id, daily_cap_micros=None, updated_at=None, updated_by=None)

    def set_spend_cap(self, actor: Actor, daily_cap_micros: int | None) -> SpendCap:
        before = self.spend_cap(actor.org_id)
        now = self._now()
        cap = SpendCap(actor.org_id, daily_cap_micros, now, actor.user_id)
        uow = self._uow()
        uow.set_spend_cap(cap)
        before_data, after_data = spend_cap_audit(before), spend_cap_audit(cap)
        uow.audit(record("billing:spend_cap:update", actor.org_id, actor, now, before=before_data, after=after_data))
        uow.commit()
        return cap

    # Reports ------------------------------------------------------------------------------

    def ledger(self, org_id: str, limit: int, cursor: str | None, since: str | None, until: str | None) -> Page:
        return self._reader.ledger(org_id, limit, cursor, since, until)

    def usage(self, org_id: str, since_day: str, until_day: str) -> UsageReport:
        if since_day > until_day:
            raise errors.ValidationFailedError("from must not be after to")
        rows = tuple(self._reader.usage(org_id, since_day, until_day))
        by_day: dict[str, tuple[int, int]] = {}
        by_allocation: dict[str, AllocationUsage] = {}
        for row in rows:
            seconds, micros = by_day.get(row.day, (0, 0))
            by_day[row.day] = (seconds + row.seconds, micros + row.micros)
            alloc = by_allocation.get(row.allocation_id) or AllocationUsage(row.allocation_id, row.sku_id, 0, 0)
            by_allocation[row.allocation_id] = replace(
                alloc, seconds=alloc.seconds + row.seconds, micros=alloc.micros + row.micros
            )
        return UsageReport(
            since_day=since_day,
            until_day=until_day,
            rows=rows,
            by_day=tuple(DayUsage(d, seconds, micros) for d, (seconds, micros) in sorted(by_day.items())),
            by_allocation=tuple(sorted(by_allocation.values(), key=lambda a: a.allocation_id)),
        )

    def statement(self, org_id: str, month: str) -> Statement:
        """Opening balance, movements by kind, closing balance of one calendar month (UTC)."""
        start, end = month_bounds(month)
        wallet = self.wallet(org_id)
        before = self._reader.ledger_entries(org_id, None, isoformat(start))
        during = self._reader.ledger_entries(org_id, isoformat(start), isoformat(end))
        opening = sum(e.wallet_delta for e in before)
        by_kind: dict[str, int] = {}
        for entry in during:
            by_kind[entry.kind] = by_kind.get(entry.kind, 0) + entry.wallet_delta
        return Statement(
            org_id=org_id,
            month=month,
            currency=wallet.currency,
            opening_balance_micros=opening,
            movements_micros=tuple(sorted(by_kind.items())),
            entries=tuple(during),
        )
