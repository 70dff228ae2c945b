from typing import Literal

RefundSource = Literal["api", "provider"]

REFUND_SOURCE_VALUES: set[RefundSource] = {
    "api",
    "provider",
}


def check_refund_source(value: str) -> RefundSource:
    if value in REFUND_SOURCE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {REFUND_SOURCE_VALUES!r}")
