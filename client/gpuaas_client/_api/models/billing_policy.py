from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="BillingPolicy")


@_attrs_define
class BillingPolicy:
    min_runway_seconds: int
    """ A new allocation is admitted only if the balance now lasts this long at the org's burn rate including it
    (600 by default). """
    grace_seconds: int
    """ How long an org may stay at or below zero before its allocations are released (300 by default). """
    low_balance_thresholds_micros: list[int]
    """ Balances whose crossing downwards is announced once (`billing.low_balance`), largest first. """
    welcome_credit_micros: int
    """ Promotional credit a new org's wallet opens with (`GPUAAS_WELCOME_CREDIT_MICROS` until changed here). """
    checkout_min_micros: int
    """ The smallest top-up a checkout accepts. """
    checkout_max_micros: int
    """ The largest top-up a checkout accepts. """
    currency: str
    """ The currency new wallets are opened in. """
    runway_warning_seconds: int
    """ When an org's runway (settled balance at the burn rate of its running allocations) falls below this,
    `allocation.expiring` is announced once per crossing (1800 by default; 0 turns it off). """
    version: int
    """ 0 until the policy is first changed; `ETag` carries it. """

    def to_dict(self) -> dict[str, Any]:
        min_runway_seconds = self.min_runway_seconds

        grace_seconds = self.grace_seconds

        low_balance_thresholds_micros = self.low_balance_thresholds_micros

        welcome_credit_micros = self.welcome_credit_micros

        checkout_min_micros = self.checkout_min_micros

        checkout_max_micros = self.checkout_max_micros

        currency = self.currency

        runway_warning_seconds = self.runway_warning_seconds

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "min_runway_seconds": min_runway_seconds,
                "grace_seconds": grace_seconds,
                "low_balance_thresholds_micros": low_balance_thresholds_micros,
                "welcome_credit_micros": welcome_credit_micros,
                "checkout_min_micros": checkout_min_micros,
                "checkout_max_micros": checkout_max_micros,
                "currency": currency,
                "runway_warning_seconds": runway_warning_seconds,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        min_runway_seconds = d.pop("min_runway_seconds")

        grace_seconds = d.pop("grace_seconds")

        low_balance_thresholds_micros = cast(list[int], d.pop("low_balance_thresholds_micros"))

        welcome_credit_micros = d.pop("welcome_credit_micros")

        checkout_min_micros = d.pop("checkout_min_micros")

        checkout_max_micros = d.pop("checkout_max_micros")

        currency = d.pop("currency")

        runway_warning_seconds = d.pop("runway_warning_seconds")

        version = d.pop("version")

        billing_policy = cls(
            min_runway_seconds=min_runway_seconds,
            grace_seconds=grace_seconds,
            low_balance_thresholds_micros=low_balance_thresholds_micros,
            welcome_credit_micros=welcome_credit_micros,
            checkout_min_micros=checkout_min_micros,
            checkout_max_micros=checkout_max_micros,
            currency=currency,
            runway_warning_seconds=runway_warning_seconds,
            version=version,
        )

        return billing_policy
