from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CreateNodeBody")


@_attrs_define
class CreateNodeBody:
    hostname: str
    sku_id: str
    gpu_model: str
    gpu_count: int

    def to_dict(self) -> dict[str, Any]:
        hostname = self.hostname

        sku_id = self.sku_id

        gpu_model = self.gpu_model

        gpu_count = self.gpu_count

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "hostname": hostname,
                "sku_id": sku_id,
                "gpu_model": gpu_model,
                "gpu_count": gpu_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        hostname = d.pop("hostname")

        sku_id = d.pop("sku_id")

        gpu_model = d.pop("gpu_model")

        gpu_count = d.pop("gpu_count")

        create_node_body = cls(
            hostname=hostname,
            sku_id=sku_id,
            gpu_model=gpu_model,
            gpu_count=gpu_count,
        )

        return create_node_body
