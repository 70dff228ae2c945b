from typing import Literal

WebhookAttemptTrigger = Literal["event", "recover", "redeliver", "test"]

WEBHOOK_ATTEMPT_TRIGGER_VALUES: set[WebhookAttemptTrigger] = {
    "event",
    "recover",
    "redeliver",
    "test",
}


def check_webhook_attempt_trigger(value: str) -> WebhookAttemptTrigger:
    if value in WEBHOOK_ATTEMPT_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_ATTEMPT_TRIGGER_VALUES!r}")
