from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.webhook_ack_outcome import WebhookAckOutcome, check_webhook_ack_outcome

T = TypeVar("T", bound="WebhookAck")


@_attrs_define
class WebhookAck:
    received: Literal[True]
    outcome: WebhookAckOutcome
    """ What the event did (kept with the event's marker); `duplicate` for an event applied before, `ignored` for a
    type not handled, `unknown_payment` and `mismatch` for events that name no payment of ours or do not match it
    (logged, nothing moved). """

    def to_dict(self) -> dict[str, Any]:
        received = self.received

        outcome: str = self.outcome

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "received": received,
                "outcome": outcome,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        received = cast(Literal[True], d.pop("received"))
        if received != True:
            raise ValueError(f"received must match const True, got '{received}'")

        outcome = check_webhook_ack_outcome(d.pop("outcome"))

        webhook_ack = cls(
            received=received,
            outcome=outcome,
        )

        return webhook_ack
