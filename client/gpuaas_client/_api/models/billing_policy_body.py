from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BillingPolicyBody")


@_attrs_define
class BillingPolicyBody:
    """At least one field; null or absent fields keep their value."""

    min_runway_seconds: int | None | Unset = UNSET
    grace_seconds: int | None | Unset = UNSET
    low_balance_thresholds_micros: list[int] | None | Unset = UNSET
    welcome_credit_micros: int | None | Unset = UNSET
    checkout_min_micros: int | None | Unset = UNSET
    checkout_max_micros: int | None | Unset = UNSET
    runway_warning_seconds: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        min_runway_seconds: int | None | Unset
        if isinstance(self.min_runway_seconds, Unset):
            min_runway_seconds = UNSET
        else:
            min_runway_seconds = self.min_runway_seconds

        grace_seconds: int | None | Unset
        if isinstance(self.grace_seconds, Unset):
            grace_seconds = UNSET
        else:
            grace_seconds = self.grace_seconds

        low_balance_thresholds_micros: list[int] | None | Unset
        if isinstance(self.low_balance_thresholds_micros, Unset):
            low_balance_thresholds_micros = UNSET
        elif isinstance(self.low_balance_thresholds_micros, list):
            low_balance_thresholds_micros = self.low_balance_thresholds_micros

        else:
            low_balance_thresholds_micros = self.low_balance_thresholds_micros

        welcome_credit_micros: int | None | Unset
        if isinstance(self.welcome_credit_micros, Unset):
            welcome_credit_micros = UNSET
        else:
            welcome_credit_micros = self.welcome_credit_micros

        checkout_min_micros: int | None | Unset
        if isinstance(self.checkout_min_micros, Unset):
            checkout_min_micros = UNSET
        else:
            checkout_min_micros = self.checkout_min_micros

        checkout_max_micros: int | None | Unset
        if isinstance(self.checkout_max_micros, Unset):
            checkout_max_micros = UNSET
        else:
            checkout_max_micros = self.checkout_max_micros

        runway_warning_seconds: int | None | Unset
        if isinstance(self.runway_warning_seconds, Unset):
            runway_warning_seconds = UNSET
        else:
            runway_warning_seconds = self.runway_warning_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if min_runway_seconds is not UNSET:
            field_dict["min_runway_seconds"] = min_runway_seconds
        if grace_seconds is not UNSET:
            field_dict["grace_seconds"] = grace_seconds
        if low_balance_thresholds_micros is not UNSET:
            field_dict["low_balance_thresholds_micros"] = low_balance_thresholds_micros
        if welcome_credit_micros is not UNSET:
            field_dict["welcome_credit_micros"] = welcome_credit_micros
        if checkout_min_micros is not UNSET:
            field_dict["checkout_min_micros"] = checkout_min_micros
        if checkout_max_micros is not UNSET:
            field_dict["checkout_max_micros"] = checkout_max_micros
        if runway_warning_seconds is not UNSET:
            field_dict["runway_warning_seconds"] = runway_warning_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_min_runway_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        min_runway_seconds = _parse_min_runway_seconds(d.pop("min_runway_seconds", UNSET))

        def _parse_grace_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        grace_seconds = _parse_grace_seconds(d.pop("grace_seconds", UNSET))

        def _parse_low_balance_thresholds_micros(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                low_balance_thresholds_micros_type_0 = cast(list[int], data)

                return low_balance_thresholds_micros_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        low_balance_thresholds_micros = _parse_low_balance_thresholds_micros(
            d.pop("low_balance_thresholds_micros", UNSET)
        )

        def _parse_welcome_credit_micros(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        welcome_credit_micros = _parse_welcome_credit_micros(d.pop("welcome_credit_micros", UNSET))

        def _parse_checkout_min_micros(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        checkout_min_micros = _parse_checkout_min_micros(d.pop("checkout_min_micros", UNSET))

        def _parse_checkout_max_micros(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        checkout_max_micros = _parse_checkout_max_micros(d.pop("checkout_max_micros", UNSET))

        def _parse_runway_warning_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        runway_warning_seconds = _parse_runway_warning_seconds(d.pop("runway_warning_seconds", UNSET))

        billing_policy_body = cls(
            min_runway_seconds=min_runway_seconds,
            grace_seconds=grace_seconds,
            low_balance_thresholds_micros=low_balance_thresholds_micros,
            welcome_credit_micros=welcome_credit_micros,
            checkout_min_micros=checkout_min_micros,
            checkout_max_micros=checkout_max_micros,
            runway_warning_seconds=runway_warning_seconds,
        )

        return billing_policy_body
