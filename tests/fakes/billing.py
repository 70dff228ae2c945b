"""In-memory billing storage with DynamoDB's semantics: a unit of work applies all or nothing, and
each write's condition raises the same domain error as chalicelib.storage.billing_repo."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.audit.models import AuditRecord
from chalicelib.billing.models import BillingPolicy, LedgerEntry, Meter, SpendCap, UsageRow, Wallet
from chalicelib.core import errors
from chalicelib.core.clock import isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


@dataclass
class BillingStore(FakeStore):
    wallets: dict[str, Wallet] = field(default_factory=dict)
    entries: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)  # (org, entry id)
    meters: dict[str, Meter] = field(default_factory=dict)
    usage: dict[tuple[str, str, str], UsageRow] = field(default_factory=dict)  # (org, day, allocation)
    daily_spend: dict[tuple[str, str], int] = field(default_factory=dict)
    policy: BillingPolicy | None = None
    spend_caps: dict[str, SpendCap] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    transactions: int = 0

    def open_meter(self, meter: Meter) -> None:
        """What provisioning's activation writes (through billing's meter writes)."""
        self.meters[meter.allocation_id] = meter

    def event_types(self) -> list[str]:
        return [e.type for e in self.outbox]


def _page(items: list[Any], limit: int, cursor: str | None) -> Page:
    start = int(cursor) if cursor else 0
    nxt = str(start + limit) if start + limit < len(items) else None
    return Page(items[start : start + limit], nxt)


def _within(at: str, since: str | None, until: str | None) -> bool:
    return (since is None or at >= since) and (until is None or at < until)


class FakeBillingReader:
    def __init__(self, store: BillingStore, default_policy: BillingPolicy | None = None) -> None:
        self.s = store
        self._default = default_policy or BillingPolicy()

    def get_wallet(self, org_id: str) -> Wallet | None:
        return self.s.wallets.get(org_id)

    def get_policy(self) -> BillingPolicy:
        return self.s.policy or self._default

    def get_spend_cap(self, org_id: str) -> SpendCap | None:
        return self.s.spend_caps.get(org_id)

    def daily_spend(self, org_id: str, day: str) -> int:
        return self.s.daily_spend.get((org_id, day), 0)

    def get_meter(self, allocation_id: str) -> Meter | None:
        return self.s.meters.get(allocation_id)

    def open_meters(self, shard: int, limit: int, cursor: str | None) -> Page:
        # One shard holds them all here: the sharding is the index's business, not the service's.
        ids = sorted(a for a, m in self.s.meters.items() if not m.finished) if shard == 0 else []
        return _page(ids, limit, cursor)

    def burning_meters(self, org_id: str) -> list[Meter]:
        return [m for m in self.s.meters.values() if m.org_id == org_id and m.ends_at is None]

    def ledger(self, org_id: str, limit: int, cursor: str | None, since: str | None, until: str | None) -> Page:
        entries = self.ledger_entries(org_id, since, until)
        return _page(sorted(entries, key=lambda e: (e.at, e.id), reverse=True), limit, cursor)

    def ledger_entries(self, org_id: str, since: str | None, until: str | None) -> list[LedgerEntry]:
        found = [e for (o, _), e in self.s.entries.items() if o == org_id and _within(e.at, since, until)]
        return sorted(found, key=lambda e: (e.at, e.id))

    def wallet_total_of_entries(self, org_id: str) -> int:
        return sum(e.wallet_delta for (o, _), e in self.s.entries.items() if o == org_id)

    def list_wallets(self, limit: int, cursor: str | None) -> Page:
        return _page(sorted(self.s.wallets), limit, cursor)

    def depleted_wallets(self) -> list[Wallet]:
        return [w for w in self.s.wallets.values() if w.depleted_at is not None]

    def usage(self, org_id: str, since_day: str, until_day: str) -> list[UsageRow]:
        return [r for (o, d, _), r in sorted(self.s.usage.items()) if o == org_id and since_day <= d <= until_day]


class FakeBillingUnitOfWork(FakeUnitOfWorkBase[BillingStore]):
    def create_wallet(self, wallet: Wallet) -> None:
        self.ops.append(("wallet_new", wallet))

    def record(self, entry: LedgerEntry) -> None:
        self.ops.append(("entry", entry))

    def post(self, entry: LedgerEntry) -> None:
        self.record(entry)
        self.ops.append(("balance", entry.org_id, entry.wallet_delta))

    def settle(self, before: Meter, after: Meter, entry: LedgerEntry, day: str, seconds: int) -> None:
        self.ops.append(("meter", before, after))
        self.post(entry)
        self.ops.append(("usage", after, day, seconds, -entry.wallet_delta))

    def close_meter(self, meter: Meter) -> None:
        self.ops.append(("meter", meter, meter))

    def set_alerts(
        self, before: Wallet, notified: tuple[int, ...], depleted_at: str | None, runway_warned: bool
    ) -> None:
        self.ops.append(("alerts", before, notified, depleted_at, runway_warned))

    def set_frozen(self, org_id: str, reason: str | None) -> None:
        self.ops.append(("wallet_change", org_id, {"frozen_reason": reason}))

    def set_stripe_customer(self, org_id: str, customer_id: str) -> None:
        self.ops.append(("wallet_change", org_id, {"stripe_customer_id": customer_id}))

    def set_policy(self, before: BillingPolicy, after: BillingPolicy) -> None:
        self.ops.append(("policy", before, after))

    def set_spend_cap(self, cap: SpendCap) -> None:
        self.ops.append(("spend_cap", cap))

    def _apply(self, s: BillingStore, op: Op) -> None:
        _write(s, op)


def _write(s: BillingStore, op: Op) -> None:
    kind = op[0]
    wallets: dict[str, Wallet] = s.wallets
    if kind == "wallet_new":
        wallet: Wallet = op[1]
        if wallet.org_id in wallets:
            raise errors.ConcurrentUpdateError()
        wallets[wallet.org_id] = wallet
    elif kind == "entry":
        entry: LedgerEntry = op[1]
        if (entry.org_id, entry.id) in s.entries:
            raise errors.LedgerEntryExistsError()
        s.entries[(entry.org_id, entry.id)] = entry
    elif kind == "balance":
        org_id, delta = op[1], op[2]
        if org_id not in wallets:
            raise errors.ConcurrentUpdateError()
        current = wallets[org_id]
        wallets[org_id] = replace(current, balance_micros=current.balance_micros + delta, version=current.version + 1)
    elif kind == "meter":
        before, after = op[1], op[2]
        current = s.meters.get(after.allocation_id)
        if current is None or current.settled_seconds != before.settled_seconds:
            raise errors.ConcurrentUpdateError()
        s.meters[after.allocation_id] = after
    elif kind == "usage":
        meter, day, seconds, micros = op[1], op[2], op[3], op[4]
        key = (meter.org_id, day, meter.allocation_id)
        row = s.usage.get(key) or UsageRow(day, meter.allocation_id, meter.sku_id, 0, 0)
        s.usage[key] = replace(row, seconds=row.seconds + seconds, micros=row.micros + micros)
        spend_key = (meter.org_id, day)
        s.daily_spend[spend_key] = s.daily_spend.get(spend_key, 0) + micros
    elif kind == "alerts":
        before, notified, depleted_at, runway_warned = op[1], op[2], op[3], op[4]
        current = wallets.get(before.org_id)
        if current is None or (current.notified_thresholds, current.depleted_at, current.runway_warned) != (
            before.notified_thresholds,
            before.depleted_at,
            before.runway_warned,
        ):
            raise errors.ConcurrentUpdateError()
        wallets[before.org_id] = replace(
            current, notified_thresholds=notified, depleted_at=depleted_at, runway_warned=runway_warned
        )
    elif kind == "wallet_change":
        org_id, changes = op[1], op[2]
        if org_id not in wallets:
            raise errors.OrgNotFoundError()
        wallets[org_id] = replace(wallets[org_id], **changes)
    elif kind == "policy":
        before, after = op[1], op[2]
        current = s.policy
        if (current.version if current else 0) != before.version:
            raise errors.PreconditionFailedError()
        s.policy = after
    elif kind == "spend_cap":
        s.spend_caps[op[1].org_id] = op[1]
    else:
        raise AssertionError(f"unknown write {kind}")


class FakeReleaser:
    """Provisioning's side of force-release: records what it was asked, refuses what it is told to."""

    def __init__(self, store: BillingStore, clock: Any) -> None:
        self.s = store
        self._clock = clock
        self.released: list[tuple[str, str, str]] = []
        self.refuse: dict[str, Exception] = {}

    def release(self, org_id: str, allocation_id: str, reason: str) -> object:
        if allocation_id in self.refuse:
            raise self.refuse[allocation_id]
        self.released.append((org_id, allocation_id, reason))
        # Releasing ends the meter, as the allocation's release transaction does.
        meter = self.s.meters[allocation_id]
        self.s.meters[allocation_id] = replace(meter, ends_at=isoformat(self._clock.now()))
        return None
