from typing import Literal

WebhookDeliveryTrigger = Literal["event", "recover", "redeliver", "test"]

WEBHOOK_DELIVERY_TRIGGER_VALUES: set[WebhookDeliveryTrigger] = {
    "event",
    "recover",
    "redeliver",
    "test",
}


def check_webhook_delivery_trigger(value: str) -> WebhookDeliveryTrigger:
    if value in WEBHOOK_DELIVERY_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_DELIVERY_TRIGGER_VALUES!r}")
