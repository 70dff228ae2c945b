from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="GpuInfo")


@_attrs_define
class GpuInfo:
    index: int
    uuid: str
    model: str
    memory_total_bytes: int

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        uuid = self.uuid

        model = self.model

        memory_total_bytes = self.memory_total_bytes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "index": index,
                "uuid": uuid,
                "model": model,
                "memory_total_bytes": memory_total_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        index = d.pop("index")

        uuid = d.pop("uuid")

        model = d.pop("model")

        memory_total_bytes = d.pop("memory_total_bytes")

        gpu_info = cls(
            index=index,
            uuid=uuid,
            model=model,
            memory_total_bytes=memory_total_bytes,
        )

        return gpu_info
