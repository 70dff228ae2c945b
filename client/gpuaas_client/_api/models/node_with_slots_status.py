from typing import Literal

NodeWithSlotsStatus = Literal["active", "draining"]

NODE_WITH_SLOTS_STATUS_VALUES: set[NodeWithSlotsStatus] = {
    "active",
    "draining",
}


def check_node_with_slots_status(value: str) -> NodeWithSlotsStatus:
    if value in NODE_WITH_SLOTS_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NODE_WITH_SLOTS_STATUS_VALUES!r}")
