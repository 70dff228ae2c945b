from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Checkout")


@_attrs_define
class Checkout:
    payment_id: str
    """ Our record of this top-up (name it in a refund). """
    checkout_session_id: str
    """ Stripe's Checkout Session; the credit's ledger entry is `topup:<checkout_session_id>`. """
    url: str
    """ Where the customer pays (Stripe's hosted page; in the local stage, the dev completion route). """
    amount_micros: int
    currency: str

    def to_dict(self) -> dict[str, Any]:
        payment_id = self.payment_id

        checkout_session_id = self.checkout_session_id

        url = self.url

        amount_micros = self.amount_micros

        currency = self.currency

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "payment_id": payment_id,
                "checkout_session_id": checkout_session_id,
                "url": url,
                "amount_micros": amount_micros,
                "currency": currency,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        payment_id = d.pop("payment_id")

        checkout_session_id = d.pop("checkout_session_id")

        url = d.pop("url")

        amount_micros = d.pop("amount_micros")

        currency = d.pop("currency")

        checkout = cls(
            payment_id=payment_id,
            checkout_session_id=checkout_session_id,
            url=url,
            amount_micros=amount_micros,
            currency=currency,
        )

        return checkout
