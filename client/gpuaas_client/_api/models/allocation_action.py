from typing import Literal

AllocationAction = Literal["release"]

ALLOCATION_ACTION_VALUES: set[AllocationAction] = {
    "release",
}


def check_allocation_action(value: str) -> AllocationAction:
    if value in ALLOCATION_ACTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ALLOCATION_ACTION_VALUES!r}")
