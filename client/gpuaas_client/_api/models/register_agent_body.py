from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.gpu_info import GpuInfo


T = TypeVar("T", bound="RegisterAgentBody")


@_attrs_define
class RegisterAgentBody:
    bootstrap_token: str
    hostname: str
    agent_version: str
    protocol_versions: list[int]
    executors: list[str]
    gpus: list[GpuInfo]

    def to_dict(self) -> dict[str, Any]:
        bootstrap_token = self.bootstrap_token

        hostname = self.hostname

        agent_version = self.agent_version

        protocol_versions = self.protocol_versions

        executors = self.executors

        gpus = []
        for gpus_item_data in self.gpus:
            gpus_item = gpus_item_data.to_dict()
            gpus.append(gpus_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "bootstrap_token": bootstrap_token,
                "hostname": hostname,
                "agent_version": agent_version,
                "protocol_versions": protocol_versions,
                "executors": executors,
                "gpus": gpus,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gpu_info import GpuInfo  # noqa: PLC0415

        d = dict(src_dict)
        bootstrap_token = d.pop("bootstrap_token")

        hostname = d.pop("hostname")

        agent_version = d.pop("agent_version")

        protocol_versions = cast(list[int], d.pop("protocol_versions"))

        executors = cast(list[str], d.pop("executors"))

        gpus = []
        _gpus = d.pop("gpus")
        for gpus_item_data in _gpus:
            gpus_item = GpuInfo.from_dict(gpus_item_data)

            gpus.append(gpus_item)

        register_agent_body = cls(
            bootstrap_token=bootstrap_token,
            hostname=hostname,
            agent_version=agent_version,
            protocol_versions=protocol_versions,
            executors=executors,
            gpus=gpus,
        )

        return register_agent_body
