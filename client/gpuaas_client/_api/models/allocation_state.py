from typing import Literal

AllocationState = Literal["active", "failed", "pending", "provisioning", "released", "releasing"]

ALLOCATION_STATE_VALUES: set[AllocationState] = {
    "active",
    "failed",
    "pending",
    "provisioning",
    "released",
    "releasing",
}


def check_allocation_state(value: str) -> AllocationState:
    if value in ALLOCATION_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ALLOCATION_STATE_VALUES!r}")
