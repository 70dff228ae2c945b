from typing import Literal

NodeStatus = Literal["active", "draining"]

NODE_STATUS_VALUES: set[NodeStatus] = {
    "active",
    "draining",
}


def check_node_status(value: str) -> NodeStatus:
    if value in NODE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NODE_STATUS_VALUES!r}")
