from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.webhook_delivery_detail_status import WebhookDeliveryDetailStatus, check_webhook_delivery_detail_status
from ..models.webhook_delivery_detail_trigger import WebhookDeliveryDetailTrigger, check_webhook_delivery_detail_trigger

if TYPE_CHECKING:
    from ..models.webhook_attempt import WebhookAttempt
    from ..models.webhook_delivery_detail_payload import WebhookDeliveryDetailPayload


T = TypeVar("T", bound="WebhookDeliveryDetail")


@_attrs_define
class WebhookDeliveryDetail:
    id: str
    webhook_id: str
    event_id: str
    """ The public event's id: the `webhook-id` header of every attempt. """
    event_type: str
    status: WebhookDeliveryDetailStatus
    attempts: int
    trigger: WebhookDeliveryDetailTrigger
    next_attempt_at: None | str
    """ When the next attempt is due (pending only). """
    last_status_code: int | None
    last_error: None | str
    created_at: str
    updated_at: str
    payload: WebhookDeliveryDetailPayload
    """ The body of every attempt: {id, type, timestamp, data}. """
    attempt_log: list[WebhookAttempt]

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        webhook_id = self.webhook_id

        event_id = self.event_id

        event_type = self.event_type

        status: str = self.status

        attempts = self.attempts

        trigger: str = self.trigger

        next_attempt_at: None | str
        next_attempt_at = self.next_attempt_at

        last_status_code: int | None
        last_status_code = self.last_status_code

        last_error: None | str
        last_error = self.last_error

        created_at = self.created_at

        updated_at = self.updated_at

        payload = self.payload.to_dict()

        attempt_log = []
        for attempt_log_item_data in self.attempt_log:
            attempt_log_item = attempt_log_item_data.to_dict()
            attempt_log.append(attempt_log_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "webhook_id": webhook_id,
                "event_id": event_id,
                "event_type": event_type,
                "status": status,
                "attempts": attempts,
                "trigger": trigger,
                "next_attempt_at": next_attempt_at,
                "last_status_code": last_status_code,
                "last_error": last_error,
                "created_at": created_at,
                "updated_at": updated_at,
                "payload": payload,
                "attempt_log": attempt_log,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_attempt import WebhookAttempt  # noqa: PLC0415
        from ..models.webhook_delivery_detail_payload import WebhookDeliveryDetailPayload  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        webhook_id = d.pop("webhook_id")

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        status = check_webhook_delivery_detail_status(d.pop("status"))

        attempts = d.pop("attempts")

        trigger = check_webhook_delivery_detail_trigger(d.pop("trigger"))

        def _parse_next_attempt_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        payload = WebhookDeliveryDetailPayload.from_dict(d.pop("payload"))

        attempt_log = []
        _attempt_log = d.pop("attempt_log")
        for attempt_log_item_data in _attempt_log:
            attempt_log_item = WebhookAttempt.from_dict(attempt_log_item_data)

            attempt_log.append(attempt_log_item)

        webhook_delivery_detail = cls(
            id=id,
            webhook_id=webhook_id,
            event_id=event_id,
            event_type=event_type,
            status=status,
            attempts=attempts,
            trigger=trigger,
            next_attempt_at=next_attempt_at,
            last_status_code=last_status_code,
            last_error=last_error,
            created_at=created_at,
            updated_at=updated_at,
            payload=payload,
            attempt_log=attempt_log,
        )

        return webhook_delivery_detail
