from typing import Literal

RefundStatus = Literal["pending", "requires_action", "succeeded"]

REFUND_STATUS_VALUES: set[RefundStatus] = {
    "pending",
    "requires_action",
    "succeeded",
}


def check_refund_status(value: str) -> RefundStatus:
    if value in REFUND_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {REFUND_STATUS_VALUES!r}")
