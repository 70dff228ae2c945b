"""What billing use cases need from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.billing.models import BillingPolicy, LedgerEntry, Meter, SpendCap, UsageRow, Wallet
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page


class BillingReader(Protocol):
    def get_wallet(self, org_id: str) -> Wallet | None: ...

    def get_policy(self) -> BillingPolicy: ...

    def get_spend_cap(self, org_id: str) -> SpendCap | None: ...

    def daily_spend(self, org_id: str, day: str) -> int: ...

    def get_meter(self, allocation_id: str) -> Meter | None: ...

    def open_meters(self, shard: int, limit: int, cursor: str | None) -> Page:
        """Allocation ids of meters not yet settled to their end, one index shard at a time."""
        ...

    def burning_meters(self, org_id: str) -> list[Meter]: ...

    def ledger(self, org_id: str, limit: int, cursor: str | None, since: str | None, until: str | None) -> Page: ...

    def ledger_entries(self, org_id: str, since: str | None, until: str | None) -> list[LedgerEntry]: ...

    def wallet_total_of_entries(self, org_id: str) -> int:
        """The sum of every entry's wallet line, read consistently from the ledger itself."""
        ...

    def list_wallets(self, limit: int, cursor: str | None) -> Page:
        """Org ids that have a wallet."""
        ...

    def depleted_wallets(self) -> list[Wallet]: ...

    def usage(self, org_id: str, since_day: str, until_day: str) -> list[UsageRow]: ...


class BillingUnitOfWork(Protocol):
    def create_wallet(self, wallet: Wallet) -> None: ...

    def post(self, entry: LedgerEntry) -> None:
        """The entry (once: LedgerEntryExists when its id was written before) and the wallet's
        balance change, in this transaction."""
        ...

    def record(self, entry: LedgerEntry) -> None:
        """The entry alone, for a wallet created in the same transaction with its balance."""
        ...

    def settle(self, before: Meter, after: Meter, entry: LedgerEntry, day: str, seconds: int) -> None: ...

    def close_meter(self, meter: Meter) -> None:
        """Take a meter settled to its end out of the sweep's index."""
        ...

    def set_alerts(
        self, before: Wallet, notified: tuple[int, ...], depleted_at: str | None, runway_warned: bool
    ) -> None:
        """Record which thresholds were announced, whether the wallet is depleted and whether its
        runway warning is out, only if nobody changed them since ``before`` was read."""
        ...

    def set_frozen(self, org_id: str, reason: str | None) -> None: ...

    def set_stripe_customer(self, org_id: str, customer_id: str) -> None: ...

    def set_policy(self, before: BillingPolicy, after: BillingPolicy) -> None: ...

    def set_spend_cap(self, cap: SpendCap) -> None: ...

    def emit(self, event: DomainEvent) -> None: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


BillingUnitOfWorkFactory = Callable[[], BillingUnitOfWork]


# What billing needs from provisioning (implemented by chalicelib.provisioning.service.ProvisioningService).


class AllocationReleaser(Protocol):
    def release(self, org_id: str, allocation_id: str, reason: str) -> object:
        """Release the allocation (billing's force-release when an org's money ran out); raises
        INVALID_ALLOCATION_STATE or ALLOCATION_NOT_FOUND when it is released already."""
        ...
