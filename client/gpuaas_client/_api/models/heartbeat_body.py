from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.gpu_telemetry import GpuTelemetry
    from ..models.nvml_status import NvmlStatus


T = TypeVar("T", bound="HeartbeatBody")


@_attrs_define
class HeartbeatBody:
    node_id: str
    sent_at: str
    agent_version: str
    nvml: NvmlStatus
    gpus: list[GpuTelemetry]
    running_commands: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        node_id = self.node_id

        sent_at = self.sent_at

        agent_version = self.agent_version

        nvml = self.nvml.to_dict()

        gpus = []
        for gpus_item_data in self.gpus:
            gpus_item = gpus_item_data.to_dict()
            gpus.append(gpus_item)

        running_commands: list[str] | Unset = UNSET
        if not isinstance(self.running_commands, Unset):
            running_commands = self.running_commands

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "node_id": node_id,
                "sent_at": sent_at,
                "agent_version": agent_version,
                "nvml": nvml,
                "gpus": gpus,
            }
        )
        if running_commands is not UNSET:
            field_dict["running_commands"] = running_commands

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gpu_telemetry import GpuTelemetry  # noqa: PLC0415
        from ..models.nvml_status import NvmlStatus  # noqa: PLC0415

        d = dict(src_dict)
        node_id = d.pop("node_id")

        sent_at = d.pop("sent_at")

        agent_version = d.pop("agent_version")

        nvml = NvmlStatus.from_dict(d.pop("nvml"))

        gpus = []
        _gpus = d.pop("gpus")
        for gpus_item_data in _gpus:
            gpus_item = GpuTelemetry.from_dict(gpus_item_data)

            gpus.append(gpus_item)

        running_commands = cast(list[str], d.pop("running_commands", UNSET))

        heartbeat_body = cls(
            node_id=node_id,
            sent_at=sent_at,
            agent_version=agent_version,
            nvml=nvml,
            gpus=gpus,
            running_commands=running_commands,
        )

        return heartbeat_body
