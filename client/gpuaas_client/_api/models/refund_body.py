from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RefundBody")


@_attrs_define
class RefundBody:
    """Exactly one of `payment_id` and `checkout_session_id`."""

    org_id: str
    amount_micros: int
    reason: str
    checkout_session_id: None | str | Unset = UNSET
    payment_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        org_id = self.org_id

        amount_micros = self.amount_micros

        reason = self.reason

        checkout_session_id: None | str | Unset
        if isinstance(self.checkout_session_id, Unset):
            checkout_session_id = UNSET
        else:
            checkout_session_id = self.checkout_session_id

        payment_id: None | str | Unset
        if isinstance(self.payment_id, Unset):
            payment_id = UNSET
        else:
            payment_id = self.payment_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "org_id": org_id,
                "amount_micros": amount_micros,
                "reason": reason,
            }
        )
        if checkout_session_id is not UNSET:
            field_dict["checkout_session_id"] = checkout_session_id
        if payment_id is not UNSET:
            field_dict["payment_id"] = payment_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        org_id = d.pop("org_id")

        amount_micros = d.pop("amount_micros")

        reason = d.pop("reason")

        def _parse_checkout_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        checkout_session_id = _parse_checkout_session_id(d.pop("checkout_session_id", UNSET))

        def _parse_payment_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        payment_id = _parse_payment_id(d.pop("payment_id", UNSET))

        refund_body = cls(
            org_id=org_id,
            amount_micros=amount_micros,
            reason=reason,
            checkout_session_id=checkout_session_id,
            payment_id=payment_id,
        )

        return refund_body
