from typing import Literal

WebhookAckOutcome = Literal[
    "already_credited",
    "awaiting_payment",
    "credited",
    "disputed",
    "duplicate",
    "ignored",
    "mismatch",
    "recorded",
    "refunded",
    "unknown_payment",
]

WEBHOOK_ACK_OUTCOME_VALUES: set[WebhookAckOutcome] = {
    "already_credited",
    "awaiting_payment",
    "credited",
    "disputed",
    "duplicate",
    "ignored",
    "mismatch",
    "recorded",
    "refunded",
    "unknown_payment",
}


def check_webhook_ack_outcome(value: str) -> WebhookAckOutcome:
    if value in WEBHOOK_ACK_OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_ACK_OUTCOME_VALUES!r}")
