"""Billing domain: a prepaid wallet per org, a double-entry ledger, per-second meters.

Money is integer micro-units of the currency everywhere. Every change of a wallet's balance is a
ledger entry whose lines sum to zero (the wallet against revenue, Stripe clearing, refunds or
promotional credit), written in the same transaction as the balance change, under an id derived
from its cause so that a retry cannot write it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import errors

# Accounts. The org's wallet is the only one with a stored balance; the platform's accounts are
# the sums of their lines (the reconciliation and the statements compute them).
WALLET = "wallet"
REVENUE = "revenue"
STRIPE_CLEARING = "stripe_clearing"
REFUNDS = "refunds"
PROMOTIONAL_CREDIT = "promotional_credit"
DISPUTES = "disputes"
ACCOUNTS = (WALLET, REVENUE, STRIPE_CLEARING, REFUNDS, PROMOTIONAL_CREDIT, DISPUTES)

# Entry kinds (what caused them).
USAGE = "usage"
TOPUP = "topup"
REFUND = "refund"
PROMOTION = "promotion"
DISPUTE = "dispute"
ADJUSTMENT = "adjustment"

SECONDS_PER_HOUR = 3600


def charge_for(price_per_hour_micros: int, seconds: int) -> int:
    """What ``seconds`` of use cost, rounded down to the micro-unit.

    Meters charge the difference of this function between two points in time, never the charge
    of a period on its own, so rounding never accumulates: N settlements of one allocation sum to
    exactly ``charge_for(price, total_seconds)``.
    """
    return price_per_hour_micros * seconds // SECONDS_PER_HOUR


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    amount_micros: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: str  # deterministic: "<kind>:<cause>"
    org_id: str
    kind: str
    lines: tuple[Line, ...]
    currency: str
    at: str
    description: str
    allocation_id: str | None = None
    cause: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if sum(line.amount_micros for line in self.lines) != 0:
            raise ValueError(f"ledger entry {self.id} does not balance")
        if any(line.account not in ACCOUNTS for line in self.lines):
            raise ValueError(f"ledger entry {self.id} names an unknown account")

    @property
    def wallet_delta(self) -> int:
        return sum(line.amount_micros for line in self.lines if line.account == WALLET)

    @classmethod
    def wallet_against(
        cls,
        entry_id: str,
        org_id: str,
        kind: str,
        wallet_delta: int,
        other_account: str,
        *,
        currency: str,
        at: str,
        description: str,
        allocation_id: str | None = None,
        cause: dict[str, Any] | None = None,
    ) -> LedgerEntry:
        """The usual two-line entry: the wallet moves by ``wallet_delta``, ``other_account`` by its opposite."""
        return cls(
            id=entry_id,
            org_id=org_id,
            kind=kind,
            lines=(Line(WALLET, wallet_delta), Line(other_account, -wallet_delta)),
            currency=currency,
            at=at,
            description=description,
            allocation_id=allocation_id,
            cause=cause or {},
        )


@dataclass(frozen=True, slots=True)
class Wallet:
    org_id: str
    currency: str
    balance_micros: int
    created_at: str
    # Low-balance thresholds already announced for the current descent (cleared when the balance
    # rises above them again), so each crossing is announced once.
    notified_thresholds: tuple[int, ...] = ()
    depleted_at: str | None = None
    frozen_reason: str | None = None
    stripe_customer_id: str | None = None
    # Incremented by every balance change (a ledger entry or a settlement): balance events carry
    # it so that receivers can order them.
    version: int = 1
    # The runway warning (allocation.expiring) was announced for the current descent; cleared when
    # the runway rises to the threshold again or nothing burns, so each crossing is announced once.
    runway_warned: bool = False


@dataclass(frozen=True, slots=True)
class Meter:
    """Per-second metering of one active allocation: billable from ``started_at`` until ``ends_at``
    (its release was asked for, or its node went down), settled up to ``settled_seconds``."""

    allocation_id: str
    org_id: str
    sku_id: str
    price_per_hour_micros: int
    currency: str
    started_at: str
    ends_at: str | None = None
    settled_seconds: int = 0
    settled_micros: int = 0

    def billable_seconds(self, until: datetime) -> int:
        """Whole seconds from the start to ``until`` (or to the end, if earlier)."""
        start = parse_time(self.started_at)
        end = until if self.ends_at is None else min(until, parse_time(self.ends_at))
        return max(0, int((end - start).total_seconds()))

    def settle(self, until: datetime) -> tuple[Meter, int, int]:
        """(meter after, seconds added, micros added) for settling up to ``until``.

        When the end is now known to lie before what was settled already (a node found down
        minutes after its last heartbeat), the seconds past the end are given back: negative
        seconds and micros. A late settlement of an earlier period changes nothing.
        """
        seconds = self.billable_seconds(until)
        end = self._end_seconds()
        if end is not None and self.settled_seconds > end:
            seconds = end
        elif seconds <= self.settled_seconds:
            return self, 0, 0
        micros = charge_for(self.price_per_hour_micros, seconds)
        after = replace(self, settled_seconds=seconds, settled_micros=micros)
        return after, seconds - self.settled_seconds, micros - self.settled_micros

    def _end_seconds(self) -> int | None:
        if self.ends_at is None:
            return None
        return max(0, int((parse_time(self.ends_at) - parse_time(self.started_at)).total_seconds()))

    @property
    def finished(self) -> bool:
        """Ended and settled exactly to its end: nothing more to bill."""
        return self.ends_at is not None and self.settled_seconds == self._end_seconds()


@dataclass(frozen=True, slots=True)
class BillingPolicy:
    """The operator's billing rules, stored and changed through the API (never code constants)."""

    min_runway_seconds: int = 600
    grace_seconds: int = 300
    low_balance_thresholds_micros: tuple[int, ...] = (10_000_000, 1_000_000)
    welcome_credit_micros: int = 0
    checkout_min_micros: int = 5_000_000
    checkout_max_micros: int = 10_000_000_000
    currency: str = "USD"
    # allocation.expiring is announced when the org's runway (settled balance at the burn rate of
    # its running allocations) falls below this; 0 turns the warning off.
    runway_warning_seconds: int = 1800
    version: int = 0

    def __post_init__(self) -> None:
        # Largest first, whatever order they were given in: alerts walk them downwards.
        ordered = tuple(sorted((int(t) for t in self.low_balance_thresholds_micros), reverse=True))
        object.__setattr__(self, "low_balance_thresholds_micros", ordered)

    def with_changes(self, changes: dict[str, Any]) -> BillingPolicy:
        """The next version with ``changes`` (field name -> value; None leaves a field as it is)."""
        given = {k: v for k, v in changes.items() if v is not None and k != "version"}
        if "low_balance_thresholds_micros" in given:
            given["low_balance_thresholds_micros"] = tuple(given["low_balance_thresholds_micros"])
        policy = replace(self, **given, version=self.version + 1)
        if policy.checkout_min_micros > policy.checkout_max_micros:
            raise errors.ValidationFailedError("checkout_min_micros must not exceed checkout_max_micros")
        return policy


@dataclass(frozen=True, slots=True)
class SpendCap:
    org_id: str
    daily_cap_micros: int | None
    updated_at: str | None
    updated_by: str | None


# Results of the use cases -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Balance:
    """The wallet as it stands now: the stored balance less what is used but not yet settled."""

    wallet: Wallet
    balance_micros: int
    unsettled_usage_micros: int
    burn_rate_per_hour_micros: int
    runway_seconds: int | None
    active_allocations: int
    as_of: str

    @property
    def settled_balance_micros(self) -> int:
        return self.wallet.balance_micros


@dataclass(frozen=True, slots=True)
class Settlement:
    """What one settlement billed: the seconds and micros added (negative for a correction)."""

    allocation_id: str
    settled_seconds: int
    micros: int


@dataclass(frozen=True, slots=True)
class Drift:
    """A wallet whose stored balance differs from the sum of its ledger entries."""

    org_id: str
    balance_micros: int
    ledger_total_micros: int

    @property
    def drift_micros(self) -> int:
        return self.balance_micros - self.ledger_total_micros


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Seconds and charges of one allocation on one day."""

    day: str
    allocation_id: str
    sku_id: str | None
    seconds: int
    micros: int


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: str
    seconds: int
    micros: int


@dataclass(frozen=True, slots=True)
class AllocationUsage:
    allocation_id: str
    sku_id: str | None
    seconds: int
    micros: int


@dataclass(frozen=True, slots=True)
class UsageReport:
    since_day: str
    until_day: str
    rows: tuple[UsageRow, ...]
    by_day: tuple[DayUsage, ...]
    by_allocation: tuple[AllocationUsage, ...]

    @property
    def total_seconds(self) -> int:
        return sum(r.seconds for r in self.rows)

    @property
    def total_micros(self) -> int:
        return sum(r.micros for r in self.rows)


@dataclass(frozen=True, slots=True)
class Statement:
    """One calendar month (UTC) of an org's wallet: opening balance, movements by kind, closing."""

    org_id: str
    month: str
    currency: str
    opening_balance_micros: int
    movements_micros: tuple[tuple[str, int], ...]  # (kind, wallet delta), by kind
    entries: tuple[LedgerEntry, ...]

    @property
    def closing_balance_micros(self) -> int:
        return self.opening_balance_micros + sum(delta for _, delta in self.movements_micros)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def minute_floor(moment: datetime) -> datetime:
    """The settlement period a moment belongs to ends at its minute: one id per period."""
    return moment.replace(second=0, microsecond=0)


def day_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def runway_seconds(balance_micros: int, burn_per_hour_micros: int) -> int | None:
    """Seconds until the balance is spent at the current burn; None when nothing burns."""
    if burn_per_hour_micros <= 0:
        return None
    return max(0, balance_micros * SECONDS_PER_HOUR // burn_per_hour_micros)


def crossed_thresholds(balance_micros: int, policy: BillingPolicy, notified: tuple[int, ...]) -> tuple[int, ...]:
    """Thresholds the balance is now at or below and that were not announced yet."""
    return tuple(t for t in policy.low_balance_thresholds_micros if balance_micros <= t and t not in notified)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of ``YYYY-MM``, UTC."""
    from datetime import UTC

    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise errors.ValidationFailedError("month must look like 2026-11") from exc
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end
