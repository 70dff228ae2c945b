from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.refund_source import RefundSource, check_refund_source
from ..models.refund_status import RefundStatus, check_refund_status

T = TypeVar("T", bound="Refund")


@_attrs_define
class Refund:
    id: str
    """ Stripe's refund id. """
    payment_id: str
    org_id: str
    amount_micros: int
    currency: str
    status: RefundStatus
    """ Stripe's status of the refund. """
    source: RefundSource
    """ Where the refund was first heard of (this API, or Stripe's webhook). """
    created_at: str
    reason: None | str
    ledger_entry_id: str
    """ The ledger entry that debited the balance, `refund:<id>`. """
    checkout_session_id: None | str
    payment_intent_id: None | str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        payment_id = self.payment_id

        org_id = self.org_id

        amount_micros = self.amount_micros

        currency = self.currency

        status: str = self.status

        source: str = self.source

        created_at = self.created_at

        reason: None | str
        reason = self.reason

        ledger_entry_id = self.ledger_entry_id

        checkout_session_id: None | str
        checkout_session_id = self.checkout_session_id

        payment_intent_id: None | str
        payment_intent_id = self.payment_intent_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "payment_id": payment_id,
                "org_id": org_id,
                "amount_micros": amount_micros,
                "currency": currency,
                "status": status,
                "source": source,
                "created_at": created_at,
                "reason": reason,
                "ledger_entry_id": ledger_entry_id,
                "checkout_session_id": checkout_session_id,
                "payment_intent_id": payment_intent_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        payment_id = d.pop("payment_id")

        org_id = d.pop("org_id")

        amount_micros = d.pop("amount_micros")

        currency = d.pop("currency")

        status = check_refund_status(d.pop("status"))

        source = check_refund_source(d.pop("source"))

        created_at = d.pop("created_at")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        ledger_entry_id = d.pop("ledger_entry_id")

        def _parse_checkout_session_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        checkout_session_id = _parse_checkout_session_id(d.pop("checkout_session_id"))

        def _parse_payment_intent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        payment_intent_id = _parse_payment_intent_id(d.pop("payment_intent_id"))

        refund = cls(
            id=id,
            payment_id=payment_id,
            org_id=org_id,
            amount_micros=amount_micros,
            currency=currency,
            status=status,
            source=source,
            created_at=created_at,
            reason=reason,
            ledger_entry_id=ledger_entry_id,
            checkout_session_id=checkout_session_id,
            payment_intent_id=payment_intent_id,
        )

        return refund
