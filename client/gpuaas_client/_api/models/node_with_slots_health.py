from typing import Literal

NodeWithSlotsHealth = Literal["down", "healthy", "suspect"]

NODE_WITH_SLOTS_HEALTH_VALUES: set[NodeWithSlotsHealth] = {
    "down",
    "healthy",
    "suspect",
}


def check_node_with_slots_health(value: str) -> NodeWithSlotsHealth:
    if value in NODE_WITH_SLOTS_HEALTH_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NODE_WITH_SLOTS_HEALTH_VALUES!r}")
