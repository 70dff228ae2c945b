from typing import Literal

WebhookDeliveryDetailTrigger = Literal["event", "recover", "redeliver", "test"]

WEBHOOK_DELIVERY_DETAIL_TRIGGER_VALUES: set[WebhookDeliveryDetailTrigger] = {
    "event",
    "recover",
    "redeliver",
    "test",
}


def check_webhook_delivery_detail_trigger(value: str) -> WebhookDeliveryDetailTrigger:
    if value in WEBHOOK_DELIVERY_DETAIL_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_DELIVERY_DETAIL_TRIGGER_VALUES!r}")
