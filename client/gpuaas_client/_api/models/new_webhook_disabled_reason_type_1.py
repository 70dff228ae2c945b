from typing import Literal

NewWebhookDisabledReasonType1 = Literal["failing", "gone"]

NEW_WEBHOOK_DISABLED_REASON_TYPE_1_VALUES: set[NewWebhookDisabledReasonType1] = {
    "failing",
    "gone",
}


def check_new_webhook_disabled_reason_type_1(value: str) -> NewWebhookDisabledReasonType1:
    if value in NEW_WEBHOOK_DISABLED_REASON_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NEW_WEBHOOK_DISABLED_REASON_TYPE_1_VALUES!r}")
