"""DynamoDB side of billing: wallets, ledger entries, meters, usage, policies."""

from __future__ import annotations

import zlib
from dataclasses import replace
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.billing.models import BillingPolicy, LedgerEntry, Line, Meter, SpendCap, UsageRow, Wallet
from chalicelib.core import errors
from chalicelib.core.page import Page
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import (
    DailySpendItem,
    LedgerEntryItem,
    LedgerLineAttribute,
    MeterItem,
    SettingsItem,
    TableItem,
    UsageItem,
    WalletDirectoryItem,
    WalletItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork

_GSI1_KEY = ("PK", "SK", "GSI1PK", "GSI1SK")
_GSI2_KEY = ("PK", "SK", "GSI2PK", "GSI2SK")


def meter_shard(allocation_id: str) -> int:
    return zlib.crc32(allocation_id.encode()) % keys.METER_SHARDS


def meter_item(meter: Meter) -> MeterItem:
    """A meter as stored: in the sweep's index until settled to its end, in its org's burning
    index until it ends."""
    pk, sk = keys.meter(meter.allocation_id)
    open_ = not meter.finished
    burning = meter.ends_at is None
    return MeterItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.open_meters(meter_shard(meter.allocation_id)) if open_ else None,
        GSI1SK=keys.open_meter_sort_key(meter.allocation_id) if open_ else None,
        GSI2PK=keys.burning_meters_of_org(meter.org_id) if burning else None,
        GSI2SK=keys.burning_meter_sort_key(meter.allocation_id) if burning else None,
        allocation_id=meter.allocation_id,
        org_id=meter.org_id,
        sku_id=meter.sku_id,
        price_per_hour_micros=meter.price_per_hour_micros,
        currency=meter.currency,
        started_at=meter.started_at,
        ends_at=meter.ends_at,
        settled_seconds=meter.settled_seconds,
        settled_micros=meter.settled_micros,
    )


def meter_from(item: MeterItem) -> Meter:
    return Meter(
        allocation_id=item.allocation_id,
        org_id=item.org_id,
        sku_id=item.sku_id,
        price_per_hour_micros=int(item.price_per_hour_micros),
        currency=item.currency,
        started_at=item.started_at,
        ends_at=item.ends_at,
        settled_seconds=int(item.settled_seconds),
        settled_micros=int(item.settled_micros),
    )


def meter_changes(after: Meter) -> list[Action]:
    """The update that turns a stored meter into ``after``: its cursor and end, and out of the
    indexes it has left (a meter never enters an index again)."""
    item = meter_item(after)
    actions: list[Action] = [
        MeterItem.settled_seconds.set(after.settled_seconds),
        MeterItem.settled_micros.set(after.settled_micros),
        MeterItem.ends_at.set(after.ends_at) if after.ends_at is not None else MeterItem.ends_at.remove(),
    ]
    actions += [MeterItem.GSI1PK.remove(), MeterItem.GSI1SK.remove()] if item.GSI1PK is None else []
    actions += [MeterItem.GSI2PK.remove(), MeterItem.GSI2SK.remove()] if item.GSI2PK is None else []
    return actions


def ledger_entry_item(entry: LedgerEntry) -> LedgerEntryItem:
    pk, sk = keys.ledger_entry(entry.org_id, entry.id)
    return LedgerEntryItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.ledger_by_time(entry.org_id),
        GSI1SK=keys.ledger_time_sort_key(entry.at, entry.id),
        id=entry.id,
        org_id=entry.org_id,
        kind=entry.kind,
        lines=[_line_attribute(line) for line in entry.lines],
        currency=entry.currency,
        at=entry.at,
        description=entry.description,
        allocation_id=entry.allocation_id,
        cause=dict(entry.cause),
        wallet_delta_micros=entry.wallet_delta,
    )


def _line_attribute(line: Line) -> LedgerLineAttribute:
    # pynamodb's MapAttribute.__init__ has no annotations; the ignore is for that call alone.
    return LedgerLineAttribute(account=line.account, amount_micros=line.amount_micros)  # type: ignore[no-untyped-call]


def ledger_entry_from(item: LedgerEntryItem) -> LedgerEntry:
    return LedgerEntry(
        id=item.id,
        org_id=item.org_id,
        kind=item.kind,
        lines=tuple(Line(line.account, int(line.amount_micros)) for line in item.lines),
        currency=item.currency,
        at=item.at,
        description=item.description,
        allocation_id=item.allocation_id,
        cause=dict(item.cause or {}),
    )


def wallet_item(wallet: Wallet) -> WalletItem:
    """A new wallet (alerts, depletion and freezing are set later, by their own updates)."""
    pk, sk = keys.wallet(wallet.org_id)
    return WalletItem(
        PK=pk,
        SK=sk,
        org_id=wallet.org_id,
        currency=wallet.currency,
        balance_micros=wallet.balance_micros,
        created_at=wallet.created_at,
        notified_thresholds=list(wallet.notified_thresholds),
        version=wallet.version,
    )


def wallet_from(item: WalletItem) -> Wallet:
    return Wallet(
        org_id=item.org_id,
        currency=item.currency,
        balance_micros=int(item.balance_micros),
        created_at=item.created_at,
        notified_thresholds=tuple(int(t) for t in (item.notified_thresholds or [])),
        depleted_at=item.depleted_at,
        frozen_reason=item.frozen_reason,
        stripe_customer_id=item.stripe_customer_id,
        # Wallets opened before versions existed count from 1.
        version=int(item.version) if item.version is not None else 1,
        runway_warned=bool(item.runway_warned),
    )


def policy_item(policy: BillingPolicy) -> SettingsItem:
    """The policy as a versioned settings document (the version is the item's, for If-Match)."""
    pk, sk = keys.BILLING_POLICY
    document = {
        "min_runway_seconds": policy.min_runway_seconds,
        "grace_seconds": policy.grace_seconds,
        "low_balance_thresholds_micros": list(policy.low_balance_thresholds_micros),
        "welcome_credit_micros": policy.welcome_credit_micros,
        "checkout_min_micros": policy.checkout_min_micros,
        "checkout_max_micros": policy.checkout_max_micros,
        "currency": policy.currency,
        "runway_warning_seconds": policy.runway_warning_seconds,
    }
    return SettingsItem(PK=pk, SK=sk, document=document, version=policy.version)


def policy_from(item: SettingsItem) -> BillingPolicy:
    d = item.document
    return BillingPolicy(
        min_runway_seconds=int(d["min_runway_seconds"]),
        grace_seconds=int(d["grace_seconds"]),
        low_balance_thresholds_micros=tuple(int(t) for t in d.get("low_balance_thresholds_micros", ())),
        welcome_credit_micros=int(d["welcome_credit_micros"]),
        checkout_min_micros=int(d["checkout_min_micros"]),
        checkout_max_micros=int(d["checkout_max_micros"]),
        currency=str(d["currency"]),
        runway_warning_seconds=int(d.get("runway_warning_seconds", BillingPolicy().runway_warning_seconds)),
        version=int(item.version),
    )


def spend_cap_item(cap: SpendCap) -> SettingsItem:
    pk, sk = keys.spend_cap(cap.org_id)
    document = {
        "org_id": cap.org_id,
        "daily_cap_micros": cap.daily_cap_micros,
        "updated_at": cap.updated_at,
        "updated_by": cap.updated_by,
    }
    return SettingsItem(PK=pk, SK=sk, document=document, version=1)


def spend_cap_from(item: SettingsItem) -> SpendCap:
    d = item.document
    cap = d.get("daily_cap_micros")
    return SpendCap(
        org_id=str(d["org_id"]),
        daily_cap_micros=None if cap is None else int(cap),
        updated_at=d.get("updated_at"),
        updated_by=d.get("updated_by"),
    )


def usage_row_from(item: UsageItem) -> UsageRow:
    return UsageRow(
        day=item.day,
        allocation_id=item.allocation_id,
        sku_id=item.sku_id,
        seconds=int(item.seconds),
        micros=int(item.micros),
    )


class DynamoBillingReader:
    def __init__(self, default_policy: BillingPolicy | None = None) -> None:
        bind_table()
        self._default_policy = default_policy or BillingPolicy()

    def get_wallet(self, org_id: str) -> Wallet | None:
        item = get_item(WalletItem, keys.wallet(org_id), consistent=True)
        return wallet_from(item) if item else None

    def get_policy(self) -> BillingPolicy:
        item = get_item(SettingsItem, keys.BILLING_POLICY, consistent=True)
        if item is None:
            return self._default_policy
        return policy_from(item)

    def get_spend_cap(self, org_id: str) -> SpendCap | None:
        item = get_item(SettingsItem, keys.spend_cap(org_id))
        return spend_cap_from(item) if item else None

    def daily_spend(self, org_id: str, day: str) -> int:
        item = get_item(DailySpendItem, keys.daily_spend(org_id, day))
        return int(item.micros) if item else 0

    def get_meter(self, allocation_id: str) -> Meter | None:
        item = get_item(MeterItem, keys.meter(allocation_id), consistent=True)
        return meter_from(item) if item else None

    def open_meters(self, shard: int, limit: int, cursor: str | None) -> Page:
        partition = keys.open_meters(shard)
        start = decode_cursor(cursor, key_attributes=_GSI1_KEY, partition=("GSI1PK", partition))
        items, last = query_page(TableItem.gsi1.query, partition, limit=limit, start_key=start)
        return Page([i.GSI1SK for i in items if isinstance(i, MeterItem)], encode_cursor(last))

    def burning_meters(self, org_id: str) -> list[Meter]:
        items = TableItem.gsi2.query(keys.burning_meters_of_org(org_id))
        return [meter_from(i) for i in items if isinstance(i, MeterItem)]

    def ledger(self, org_id: str, limit: int, cursor: str | None, since: str | None, until: str | None) -> Page:
        partition = keys.ledger_by_time(org_id)
        start = decode_cursor(cursor, key_attributes=_GSI1_KEY, partition=("GSI1PK", partition))
        items, last = query_page(
            TableItem.gsi1.query,
            partition,
            range_key_condition=_time_range(since, until),
            limit=limit,
            start_key=start,
            scan_index_forward=False,  # newest first
        )
        return Page([ledger_entry_from(i) for i in items if isinstance(i, LedgerEntryItem)], encode_cursor(last))

    def ledger_entries(self, org_id: str, since: str | None, until: str | None) -> list[LedgerEntry]:
        items = TableItem.gsi1.query(keys.ledger_by_time(org_id), range_key_condition=_time_range(since, until))
        return [ledger_entry_from(i) for i in items if isinstance(i, LedgerEntryItem)]

    def wallet_total_of_entries(self, org_id: str) -> int:
        # The base table, strongly consistent: the index could lag the wallet by a moment.
        items = TableItem.query(
            keys.ledger_partition(org_id),
            range_key_condition=TableItem.SK.startswith(keys.LEDGER_ENTRY_PREFIX),
            consistent_read=True,
            attributes_to_get=["wallet_delta_micros", "type"],
        )
        return sum(int(i.wallet_delta_micros) for i in items if isinstance(i, LedgerEntryItem))

    def list_wallets(self, limit: int, cursor: str | None) -> Page:
        start = decode_cursor(cursor, key_attributes=_GSI2_KEY, partition=("GSI2PK", keys.ALL_WALLETS_PARTITION))
        items, last = query_page(TableItem.gsi2.query, keys.ALL_WALLETS_PARTITION, limit=limit, start_key=start)
        return Page([i.GSI2SK for i in items if isinstance(i, WalletDirectoryItem)], encode_cursor(last))

    def depleted_wallets(self) -> list[Wallet]:
        items = TableItem.gsi1.query(keys.DEPLETED_WALLETS_PARTITION)
        return [wallet_from(i) for i in items if isinstance(i, WalletItem)]

    def usage(self, org_id: str, since_day: str, until_day: str) -> list[UsageRow]:
        low, high = keys.usage_days(since_day, until_day)
        items = TableItem.query(keys.usage_partition(org_id), range_key_condition=TableItem.SK.between(low, high))
        return [usage_row_from(i) for i in items if isinstance(i, UsageItem)]


def _time_range(since: str | None, until: str | None) -> Any:
    if since and until:
        return TableItem.GSI1SK.between(since, until)
    if since:
        return since <= TableItem.GSI1SK
    if until:
        return until > TableItem.GSI1SK
    return None


class DynamoBillingUnitOfWork(DynamoUnitOfWork):
    def create_wallet(self, wallet: Wallet) -> None:
        self.put(wallet_item(wallet), condition=WalletItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)
        # Listed through a directory item written once, not through the wallet itself: an index key
        # on the wallet would be rewritten by every balance change of every org (one hot partition).
        dpk, dsk = keys.wallet_directory(wallet.org_id)
        directory = WalletDirectoryItem(
            PK=dpk, SK=dsk, GSI2PK=keys.ALL_WALLETS_PARTITION, GSI2SK=keys.wallet_directory_sort_key(wallet.org_id)
        )
        self.put(directory)

    def record(self, entry: LedgerEntry) -> None:
        # The id is the cause: a second write of the same cause is refused, never doubled.
        self.put(
            ledger_entry_item(entry), condition=LedgerEntryItem.PK.does_not_exist(), error=errors.LedgerEntryExistsError
        )

    def _move_balance(self, org_id: str, delta: int) -> None:
        pk, sk = keys.wallet(org_id)
        self.update(
            WalletItem(PK=pk, SK=sk),
            [WalletItem.balance_micros.add(delta), WalletItem.version.add(1)],
            condition=WalletItem.PK.exists(),
            error=errors.ConcurrentUpdateError,
        )

    def post(self, entry: LedgerEntry) -> None:
        self.record(entry)
        self._move_balance(entry.org_id, entry.wallet_delta)

    def settle(self, before: Meter, after: Meter, entry: LedgerEntry, day: str, seconds: int) -> None:
        self._write_meter(before, after)
        self.post(entry)
        pk, sk = keys.usage(after.org_id, day, after.allocation_id)
        self.update(
            UsageItem(PK=pk, SK=sk),
            [
                UsageItem.org_id.set(after.org_id),
                UsageItem.day.set(day),
                UsageItem.allocation_id.set(after.allocation_id),
                UsageItem.sku_id.set(after.sku_id),
                UsageItem.seconds.add(seconds),
                UsageItem.micros.add(-entry.wallet_delta),
                UsageItem.type.set(UsageItem),  # the discriminator, as a put would write it
            ],
        )
        spk, ssk = keys.daily_spend(after.org_id, day)
        self.update(
            DailySpendItem(PK=spk, SK=ssk),
            [DailySpendItem.micros.add(-entry.wallet_delta), DailySpendItem.type.set(DailySpendItem)],
        )

    def close_meter(self, meter: Meter) -> None:
        self._write_meter(meter, meter)

    def _write_meter(self, before: Meter, after: Meter) -> None:
        pk, sk = keys.meter(after.allocation_id)
        # The cursor moves only from where this settlement read it: a concurrent one fails here.
        self.update(
            MeterItem(PK=pk, SK=sk),
            meter_changes(after),
            condition=MeterItem.settled_seconds == before.settled_seconds,
            error=errors.ConcurrentUpdateError,
        )

    def set_alerts(
        self, before: Wallet, notified: tuple[int, ...], depleted_at: str | None, runway_warned: bool
    ) -> None:
        pk, sk = keys.wallet(before.org_id)
        actions: list[Action] = [
            WalletItem.notified_thresholds.set(list(notified)),
            WalletItem.runway_warned.set(runway_warned),
        ]
        if depleted_at:
            actions += [
                WalletItem.depleted_at.set(depleted_at),
                WalletItem.GSI1PK.set(keys.DEPLETED_WALLETS_PARTITION),
                WalletItem.GSI1SK.set(keys.depleted_wallet_sort_key(depleted_at, before.org_id)),
            ]
        else:
            actions += [WalletItem.depleted_at.remove(), WalletItem.GSI1PK.remove(), WalletItem.GSI1SK.remove()]
        was_depleted = (
            WalletItem.depleted_at == before.depleted_at
            if before.depleted_at
            else WalletItem.depleted_at.does_not_exist()
        )
        self.update(
            WalletItem(PK=pk, SK=sk),
            actions,
            condition=(WalletItem.notified_thresholds == list(before.notified_thresholds))
            & was_depleted
            & (
                (WalletItem.runway_warned == True)  # noqa: E712 - a pynamodb condition, not a comparison
                if before.runway_warned
                else (WalletItem.runway_warned.does_not_exist() | (WalletItem.runway_warned == False))  # noqa: E712
            ),
            error=errors.ConcurrentUpdateError,
        )

    def set_frozen(self, org_id: str, reason: str | None) -> None:
        pk, sk = keys.wallet(org_id)
        action = WalletItem.frozen_reason.set(reason) if reason else WalletItem.frozen_reason.remove()
        self.update(WalletItem(PK=pk, SK=sk), [action], condition=WalletItem.PK.exists(), error=errors.OrgNotFoundError)

    def set_stripe_customer(self, org_id: str, customer_id: str) -> None:
        pk, sk = keys.wallet(org_id)
        self.update(
            WalletItem(PK=pk, SK=sk),
            [WalletItem.stripe_customer_id.set(customer_id)],
            condition=WalletItem.PK.exists(),
            error=errors.OrgNotFoundError,
        )

    def set_policy(self, before: BillingPolicy, after: BillingPolicy) -> None:
        condition = SettingsItem.version == before.version if before.version else SettingsItem.PK.does_not_exist()
        self.put(policy_item(after), condition=condition, error=errors.PreconditionFailedError)

    def set_spend_cap(self, cap: SpendCap) -> None:
        self.put(spend_cap_item(cap))


# Meter writes used by provisioning's unit of work
class MeterWrites:
    """Opens and ends an allocation's meter inside another context's unit of work (provisioning's:
    the meter starts and stops in the same transaction as the allocation's change)."""

    def __init__(self, uow: DynamoUnitOfWork) -> None:
        self._uow = uow

    def open(
        self,
        allocation_id: str,
        org_id: str,
        sku_id: str,
        price_per_hour_micros: int,
        currency: str,
        started_at: str,
    ) -> None:
        meter = Meter(
            allocation_id=allocation_id,
            org_id=org_id,
            sku_id=sku_id,
            price_per_hour_micros=price_per_hour_micros,
            currency=currency,
            started_at=started_at,
        )
        self._uow.put(meter_item(meter), condition=MeterItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def end(self, allocation_id: str, at: str) -> None:
        item = get_item(MeterItem, keys.meter(allocation_id), consistent=True)
        if item is None:
            return  # never active, never metered
        meter = meter_from(item)
        if meter.ends_at is not None and meter.ends_at <= at:
            return  # it ended earlier already (its node went down before the release)
        ended = replace(meter, ends_at=at)
        pk, sk = keys.meter(allocation_id)
        # Ended as read: a settlement moving the cursor meanwhile makes this change retry.
        self._uow.update(
            MeterItem(PK=pk, SK=sk),
            meter_changes(ended),
            condition=MeterItem.settled_seconds == meter.settled_seconds,
            error=errors.ConcurrentUpdateError,
        )
