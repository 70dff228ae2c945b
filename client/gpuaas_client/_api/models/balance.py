from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Balance")


@_attrs_define
class Balance:
    org_id: str
    currency: str
    balance_micros: int
    """ The balance now, in micro-units of `currency`: `settled_balance_micros` minus `unsettled_usage_micros`. Can
    be below zero. """
    settled_balance_micros: int
    """ The wallet's balance as the ledger has it (every entry posted so far). """
    unsettled_usage_micros: int
    """ What the running allocations used since their last settlement (at most about a minute of use). """
    burn_rate_per_hour_micros: int
    """ The sum of the hourly prices of the allocations still billed. """
    runway_seconds: int | None
    """ How long `balance_micros` lasts at `burn_rate_per_hour_micros`; null when nothing is billed. """
    active_allocations: int
    """ Allocations still billed. """
    depleted_at: None | str
    """ When the settled balance reached zero; null while above. The org's allocations are released once the
    policy's `grace_seconds` have passed after it, unless the balance rises above zero. """
    frozen: bool
    """ New allocations are refused (403 ACCOUNT_FROZEN). """
    frozen_reason: None | str
    as_of: str

    def to_dict(self) -> dict[str, Any]:
        org_id = self.org_id

        currency = self.currency

        balance_micros = self.balance_micros

        settled_balance_micros = self.settled_balance_micros

        unsettled_usage_micros = self.unsettled_usage_micros

        burn_rate_per_hour_micros = self.burn_rate_per_hour_micros

        runway_seconds: int | None
        runway_seconds = self.runway_seconds

        active_allocations = self.active_allocations

        depleted_at: None | str
        depleted_at = self.depleted_at

        frozen = self.frozen

        frozen_reason: None | str
        frozen_reason = self.frozen_reason

        as_of = self.as_of

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "org_id": org_id,
                "currency": currency,
                "balance_micros": balance_micros,
                "settled_balance_micros": settled_balance_micros,
                "unsettled_usage_micros": unsettled_usage_micros,
                "burn_rate_per_hour_micros": burn_rate_per_hour_micros,
                "runway_seconds": runway_seconds,
                "active_allocations": active_allocations,
                "depleted_at": depleted_at,
                "frozen": frozen,
                "frozen_reason": frozen_reason,
                "as_of": as_of,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        org_id = d.pop("org_id")

        currency = d.pop("currency")

        balance_micros = d.pop("balance_micros")

        settled_balance_micros = d.pop("settled_balance_micros")

        unsettled_usage_micros = d.pop("unsettled_usage_micros")

        burn_rate_per_hour_micros = d.pop("burn_rate_per_hour_micros")

        def _parse_runway_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        runway_seconds = _parse_runway_seconds(d.pop("runway_seconds"))

        active_allocations = d.pop("active_allocations")

        def _parse_depleted_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        depleted_at = _parse_depleted_at(d.pop("depleted_at"))

        frozen = d.pop("frozen")

        def _parse_frozen_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        frozen_reason = _parse_frozen_reason(d.pop("frozen_reason"))

        as_of = d.pop("as_of")

        balance = cls(
            org_id=org_id,
            currency=currency,
            balance_micros=balance_micros,
            settled_balance_micros=settled_balance_micros,
            unsettled_usage_micros=unsettled_usage_micros,
            burn_rate_per_hour_micros=burn_rate_per_hour_micros,
            runway_seconds=runway_seconds,
            active_allocations=active_allocations,
            depleted_at=depleted_at,
            frozen=frozen,
            frozen_reason=frozen_reason,
            as_of=as_of,
        )

        return balance
