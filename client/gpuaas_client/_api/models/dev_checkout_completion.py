from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="DevCheckoutCompletion")


@_attrs_define
class DevCheckoutCompletion:
    event_id: str
    """ The Stripe-style event id the local Stripe made up (`evt_local_…`). """
    type_: Literal["checkout.session.completed"]
    checkout_session_id: str
    payment_intent_id: str
    webhook_status: int
    """ The HTTP status `POST /v1/webhooks/stripe` answered. """
    webhook_response: Any
    """ What the webhook answered (its JSON body, else its text). """

    def to_dict(self) -> dict[str, Any]:
        event_id = self.event_id

        type_ = self.type_

        checkout_session_id = self.checkout_session_id

        payment_intent_id = self.payment_intent_id

        webhook_status = self.webhook_status

        webhook_response = self.webhook_response

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_id": event_id,
                "type": type_,
                "checkout_session_id": checkout_session_id,
                "payment_intent_id": payment_intent_id,
                "webhook_status": webhook_status,
                "webhook_response": webhook_response,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_id = d.pop("event_id")

        type_ = cast(Literal["checkout.session.completed"], d.pop("type"))
        if type_ != "checkout.session.completed":
            raise ValueError(f"type must match const 'checkout.session.completed', got '{type_}'")

        checkout_session_id = d.pop("checkout_session_id")

        payment_intent_id = d.pop("payment_intent_id")

        webhook_status = d.pop("webhook_status")

        webhook_response = d.pop("webhook_response")

        dev_checkout_completion = cls(
            event_id=event_id,
            type_=type_,
            checkout_session_id=checkout_session_id,
            payment_intent_id=payment_intent_id,
            webhook_status=webhook_status,
            webhook_response=webhook_response,
        )

        return dev_checkout_completion
