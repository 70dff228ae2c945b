"""DynamoDB side of billing: wallets, ledger entries, meters, usage, policies."""

from __future__ import annotations

import zlib
from dataclasses import replace
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.billing.models import BillingPolicy, LedgerEntry, Meter, SpendCap, Wallet
from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.core.page import Page
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import (
    DailySpendItem,
    LedgerEntryItem,
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
        GSI1SK=meter.allocation_id if open_ else None,
        GSI2PK=keys.burning_meters_of_org(meter.org_id) if burning else None,
        GSI2SK=meter.allocation_id if burning else None,
        meter=meter.to_dict(),
        settled_seconds=meter.settled_seconds,
    )


def _wallet(item: WalletItem) -> Wallet:
    return Wallet(
        org_id=item.org_id,
        currency=item.currency,
        balance_micros=int(item.balance_micros),
        created_at=item.created_at,
        notified_thresholds=tuple(int(t) for t in (item.notified_thresholds or [])),
        depleted_at=item.depleted_at,
        frozen_reason=item.frozen_reason,
        stripe_customer_id=item.stripe_customer_id,
    )


class DynamoBillingReader:
    def __init__(self, default_policy: BillingPolicy | None = None) -> None:
        bind_table()
        self._default_policy = default_policy or BillingPolicy()

    def get_wallet(self, org_id: str) -> Wallet | None:
        item = get_item(WalletItem, keys.wallet(org_id), consistent=True)
        return _wallet(item) if item else None

    def get_policy(self) -> BillingPolicy:
        item = get_item(SettingsItem, keys.BILLING_POLICY, consistent=True)
        if item is None:
            return self._default_policy
        return BillingPolicy.from_dict({**item.document, "version": int(item.version)})

    def get_spend_cap(self, org_id: str) -> SpendCap | None:
        item = get_item(SettingsItem, keys.spend_cap(org_id))
        return SpendCap(**item.document) if item else None

    def daily_spend(self, org_id: str, day: str) -> int:
        item = get_item(DailySpendItem, keys.daily_spend(org_id, day))
        return int(item.micros) if item else 0

    def get_meter(self, allocation_id: str) -> Meter | None:
        item = get_item(MeterItem, keys.meter(allocation_id), consistent=True)
        return Meter(**item.meter) if item else None

    def open_meters(self, shard: int, limit: int, cursor: str | None) -> Page:
        partition = keys.open_meters(shard)
        start = decode_cursor(cursor, key_attributes=_GSI1_KEY, partition=("GSI1PK", partition))
        items, last = query_page(TableItem.gsi1.query, partition, limit=limit, start_key=start)
        return Page([i.GSI1SK for i in items if isinstance(i, MeterItem)], encode_cursor(last))

    def burning_meters(self, org_id: str) -> list[Meter]:
        items = TableItem.gsi2.query(keys.burning_meters_of_org(org_id))
        return [Meter(**i.meter) for i in items if isinstance(i, MeterItem)]

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
        return Page([LedgerEntry.from_dict(i.entry) for i in items if isinstance(i, LedgerEntryItem)],
                    encode_cursor(last))  # fmt: skip

    def ledger_entries(self, org_id: str, since: str | None, until: str | None) -> list[LedgerEntry]:
        items = TableItem.gsi1.query(keys.ledger_by_time(org_id), range_key_condition=_time_range(since, until))
        return [LedgerEntry.from_dict(i.entry) for i in items if isinstance(i, LedgerEntryItem)]

    def wallet_total_of_entries(self, org_id: str) -> int:
        # The base table, strongly consistent: the index could lag the wallet by a moment.
        items = TableItem.query(
            keys.ledger_partition(org_id),
            range_key_condition=TableItem.SK.startswith("ENTRY#"),
            consistent_read=True,
            attributes_to_get=["wallet_delta_micros", "type"],
        )
        return sum(int(i.wallet_delta_micros) for i in items if isinstance(i, LedgerEntryItem))

    def list_wallets(self, limit: int, cursor: str | None) -> Page:
        start = decode_cursor(cursor, key_attributes=_GSI2_KEY, partition=("GSI2PK", keys.ALL_WALLETS_PARTITION))
        items, last = query_page(TableItem.gsi2.query, keys.ALL_WALLETS_PARTITION, limit=limit, start_key=start)
        return Page([i.GSI2SK for i in items if isinstance(i, WalletDirectoryItem)], encode_cursor(last))

    def depleted_wallets(self) -> list[Wallet]:
        return [_wallet(i) for i in TableItem.gsi1.query(keys.DEPLETED_WALLETS_PARTITION) if isinstance(i, WalletItem)]

    def usage(self, org_id: str, since_day: str, until_day: str) -> list[dict[str, Any]]:
        items = TableItem.query(
            keys.usage_partition(org_id), range_key_condition=TableItem.SK.between(f"{since_day}#", f"{until_day}#~")
        )
        return [
            {
                "day": i.day,
                "allocation_id": i.allocation_id,
                "sku_id": i.sku_id,
                "seconds": int(i.seconds),
                "micros": int(i.micros),
            }
            for i in items
            if isinstance(i, UsageItem)
        ]


def _time_range(since: str | None, until: str | None) -> Any:
    if since and until:
        return TableItem.GSI1SK.between(since, until)
    if since:
        return since <= TableItem.GSI1SK
    if until:
        return until > TableItem.GSI1SK
    return None


class DynamoBillingUnitOfWork(DynamoUnitOfWork):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)

    def create_wallet(self, wallet: Wallet) -> None:
        pk, sk = keys.wallet(wallet.org_id)
        item = WalletItem(
            PK=pk,
            SK=sk,
            org_id=wallet.org_id,
            currency=wallet.currency,
            balance_micros=wallet.balance_micros,
            created_at=wallet.created_at,
            notified_thresholds=[],
        )
        self.put(item, condition=WalletItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)
        # Listed through a directory item written once, not through the wallet itself: an index key
        # on the wallet would be rewritten by every balance change of every org (one hot partition).
        dpk, dsk = keys.wallet_directory(wallet.org_id)
        self.put(WalletDirectoryItem(PK=dpk, SK=dsk, GSI2PK=keys.ALL_WALLETS_PARTITION, GSI2SK=wallet.org_id))

    def record(self, entry: LedgerEntry) -> None:
        pk, sk = keys.ledger_entry(entry.org_id, entry.id)
        item = LedgerEntryItem(
            PK=pk,
            SK=sk,
            GSI1PK=keys.ledger_by_time(entry.org_id),
            GSI1SK=f"{entry.at}#{entry.id}",
            org_id=entry.org_id,
            entry=entry.to_dict(),
            kind=entry.kind,
            wallet_delta_micros=entry.wallet_delta,
            at=entry.at,
            allocation_id=entry.allocation_id,
        )
        # The id is the cause: a second write of the same cause is refused, never doubled.
        self.put(item, condition=LedgerEntryItem.PK.does_not_exist(), error=errors.LedgerEntryExistsError)

    def _move_balance(self, org_id: str, delta: int) -> None:
        pk, sk = keys.wallet(org_id)
        self.update(
            WalletItem(PK=pk, SK=sk),
            [WalletItem.balance_micros.add(delta)],
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
        item = meter_item(after)
        pk, sk = keys.meter(after.allocation_id)
        actions = [MeterItem.meter.set(after.to_dict()), MeterItem.settled_seconds.set(after.settled_seconds)]
        actions += [MeterItem.GSI1PK.remove(), MeterItem.GSI1SK.remove()] if item.GSI1PK is None else []
        actions += [MeterItem.GSI2PK.remove(), MeterItem.GSI2SK.remove()] if item.GSI2PK is None else []
        # The cursor moves only from where this settlement read it: a concurrent one fails here.
        self.update(
            MeterItem(PK=pk, SK=sk),
            actions,
            condition=MeterItem.settled_seconds == before.settled_seconds,
            error=errors.ConcurrentUpdateError,
        )

    def set_alerts(self, before: Wallet, notified: tuple[int, ...], depleted_at: str | None) -> None:
        pk, sk = keys.wallet(before.org_id)
        actions = [WalletItem.notified_thresholds.set(list(notified))]
        if depleted_at:
            actions += [
                WalletItem.depleted_at.set(depleted_at),
                WalletItem.GSI1PK.set(keys.DEPLETED_WALLETS_PARTITION),
                WalletItem.GSI1SK.set(f"{depleted_at}#{before.org_id}"),
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
            condition=(WalletItem.notified_thresholds == list(before.notified_thresholds)) & was_depleted,
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
        pk, sk = keys.BILLING_POLICY
        document = {k: v for k, v in after.to_dict().items() if k != "version"}
        condition = SettingsItem.version == before.version if before.version else SettingsItem.PK.does_not_exist()
        self.put(
            SettingsItem(PK=pk, SK=sk, document=document, version=after.version),
            condition=condition,
            error=errors.PreconditionFailedError,
        )

    def set_spend_cap(self, cap: SpendCap) -> None:
        pk, sk = keys.spend_cap(cap.org_id)
        self.put(SettingsItem(PK=pk, SK=sk, document=cap.to_dict(), version=1))


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
        meter = Meter(**item.meter)
        if meter.ends_at is not None and meter.ends_at <= at:
            return  # it ended earlier already (its node went down before the release)
        ended = replace(meter, ends_at=at)
        pk, sk = keys.meter(allocation_id)
        actions: list[Action] = [
            MeterItem.meter.set(ended.to_dict()),
            MeterItem.GSI2PK.remove(),
            MeterItem.GSI2SK.remove(),
        ]
        if ended.finished:  # settled to its end already: out of the sweep's index, as meter_item() leaves it
            actions += [MeterItem.GSI1PK.remove(), MeterItem.GSI1SK.remove()]
        # Ended as read: a settlement moving the cursor meanwhile makes this change retry.
        self._uow.update(
            MeterItem(PK=pk, SK=sk),
            actions,
            condition=MeterItem.settled_seconds == meter.settled_seconds,
            error=errors.ConcurrentUpdateError,
        )
