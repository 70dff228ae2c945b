from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RegisteredNode")


@_attrs_define
class RegisteredNode:
    node_id: str
    node_token: str
    """ The node's bearer credential for the agent routes. Shown once: only its hash is stored. """
    queue_url: str
    """ The node's own FIFO command queue (SQS), which the agent long-polls. """
    region: str
    heartbeat_interval_seconds: int
    """ How often to call `POST /v1/agent/heartbeat`. """

    def to_dict(self) -> dict[str, Any]:
        node_id = self.node_id

        node_token = self.node_token

        queue_url = self.queue_url

        region = self.region

        heartbeat_interval_seconds = self.heartbeat_interval_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "node_id": node_id,
                "node_token": node_token,
                "queue_url": queue_url,
                "region": region,
                "heartbeat_interval_seconds": heartbeat_interval_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        node_id = d.pop("node_id")

        node_token = d.pop("node_token")

        queue_url = d.pop("queue_url")

        region = d.pop("region")

        heartbeat_interval_seconds = d.pop("heartbeat_interval_seconds")

        registered_node = cls(
            node_id=node_id,
            node_token=node_token,
            queue_url=queue_url,
            region=region,
            heartbeat_interval_seconds=heartbeat_interval_seconds,
        )

        return registered_node
