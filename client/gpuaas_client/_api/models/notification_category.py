from typing import Literal

NotificationCategory = Literal[
    "allocation_failed",
    "balance_depleted",
    "balance_low",
    "force_released",
    "payment_receipt",
    "payment_refund",
    "webhook_disabled",
]

NOTIFICATION_CATEGORY_VALUES: set[NotificationCategory] = {
    "allocation_failed",
    "balance_depleted",
    "balance_low",
    "force_released",
    "payment_receipt",
    "payment_refund",
    "webhook_disabled",
}


def check_notification_category(value: str) -> NotificationCategory:
    if value in NOTIFICATION_CATEGORY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_CATEGORY_VALUES!r}")
