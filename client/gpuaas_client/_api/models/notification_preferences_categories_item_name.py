from typing import Literal

NotificationPreferencesCategoriesItemName = Literal[
    "allocation_failed",
    "balance_depleted",
    "balance_low",
    "force_released",
    "payment_receipt",
    "payment_refund",
    "webhook_disabled",
]

NOTIFICATION_PREFERENCES_CATEGORIES_ITEM_NAME_VALUES: set[NotificationPreferencesCategoriesItemName] = {
    "allocation_failed",
    "balance_depleted",
    "balance_low",
    "force_released",
    "payment_receipt",
    "payment_refund",
    "webhook_disabled",
}


def check_notification_preferences_categories_item_name(value: str) -> NotificationPreferencesCategoriesItemName:
    if value in NOTIFICATION_PREFERENCES_CATEGORIES_ITEM_NAME_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {NOTIFICATION_PREFERENCES_CATEGORIES_ITEM_NAME_VALUES!r}"
    )
