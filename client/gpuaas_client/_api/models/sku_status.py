from typing import Literal

SkuStatus = Literal["active", "retired"]

SKU_STATUS_VALUES: set[SkuStatus] = {
    "active",
    "retired",
}


def check_sku_status(value: str) -> SkuStatus:
    if value in SKU_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SKU_STATUS_VALUES!r}")
