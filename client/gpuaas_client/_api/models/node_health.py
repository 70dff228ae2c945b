from typing import Literal

NodeHealth = Literal["down", "healthy", "suspect"]

NODE_HEALTH_VALUES: set[NodeHealth] = {
    "down",
    "healthy",
    "suspect",
}


def check_node_health(value: str) -> NodeHealth:
    if value in NODE_HEALTH_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NODE_HEALTH_VALUES!r}")
