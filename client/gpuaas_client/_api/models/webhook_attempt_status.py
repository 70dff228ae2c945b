from typing import Literal

WebhookAttemptStatus = Literal["failed", "sending", "succeeded"]

WEBHOOK_ATTEMPT_STATUS_VALUES: set[WebhookAttemptStatus] = {
    "failed",
    "sending",
    "succeeded",
}


def check_webhook_attempt_status(value: str) -> WebhookAttemptStatus:
    if value in WEBHOOK_ATTEMPT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_ATTEMPT_STATUS_VALUES!r}")
