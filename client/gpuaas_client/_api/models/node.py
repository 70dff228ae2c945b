from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.node_health import NodeHealth, check_node_health
from ..models.node_status import NodeStatus, check_node_status

T = TypeVar("T", bound="Node")


@_attrs_define
class Node:
    id: str
    hostname: str
    sku_id: str
    region: str
    gpu_model: str
    gpu_count: int
    slot_count: int
    status: NodeStatus
    health: NodeHealth
    """ Set by a scheduled sweeper from the age of the node's last agent heartbeat (`suspect` after 90 s, `down`
    after 5 minutes, `healthy` again when heartbeats resume). The node takes new work only when `status` is `active`
    and `health` is `healthy`; otherwise its free slots leave the SKU's `free_slots`. """
    version: int
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        hostname = self.hostname

        sku_id = self.sku_id

        region = self.region

        gpu_model = self.gpu_model

        gpu_count = self.gpu_count

        slot_count = self.slot_count

        status: str = self.status

        health: str = self.health

        version = self.version

        created_at = self.created_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "hostname": hostname,
                "sku_id": sku_id,
                "region": region,
                "gpu_model": gpu_model,
                "gpu_count": gpu_count,
                "slot_count": slot_count,
                "status": status,
                "health": health,
                "version": version,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        hostname = d.pop("hostname")

        sku_id = d.pop("sku_id")

        region = d.pop("region")

        gpu_model = d.pop("gpu_model")

        gpu_count = d.pop("gpu_count")

        slot_count = d.pop("slot_count")

        status = check_node_status(d.pop("status"))

        health = check_node_health(d.pop("health"))

        version = d.pop("version")

        created_at = d.pop("created_at")

        node = cls(
            id=id,
            hostname=hostname,
            sku_id=sku_id,
            region=region,
            gpu_model=gpu_model,
            gpu_count=gpu_count,
            slot_count=slot_count,
            status=status,
            health=health,
            version=version,
            created_at=created_at,
        )

        return node
