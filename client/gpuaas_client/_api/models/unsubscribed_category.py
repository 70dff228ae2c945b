from typing import Literal

UnsubscribedCategory = Literal[
    "allocation_failed",
    "balance_depleted",
    "balance_low",
    "force_released",
    "payment_receipt",
    "payment_refund",
    "webhook_disabled",
]

UNSUBSCRIBED_CATEGORY_VALUES: set[UnsubscribedCategory] = {
    "allocation_failed",
    "balance_depleted",
    "balance_low",
    "force_released",
    "payment_receipt",
    "payment_refund",
    "webhook_disabled",
}


def check_unsubscribed_category(value: str) -> UnsubscribedCategory:
    if value in UNSUBSCRIBED_CATEGORY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {UNSUBSCRIBED_CATEGORY_VALUES!r}")
