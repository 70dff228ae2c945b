from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="GpuTelemetry")


@_attrs_define
class GpuTelemetry:
    index: int
    uuid: str
    model: str
    memory_total_bytes: int
    memory_used_bytes: int | None
    utilization_percent: int | None
    temperature_c: int | None
    power_watts: float | None
    ecc_uncorrected_errors: int | None
    xid_errors: int | None

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        uuid = self.uuid

        model = self.model

        memory_total_bytes = self.memory_total_bytes

        memory_used_bytes: int | None
        memory_used_bytes = self.memory_used_bytes

        utilization_percent: int | None
        utilization_percent = self.utilization_percent

        temperature_c: int | None
        temperature_c = self.temperature_c

        power_watts: float | None
        power_watts = self.power_watts

        ecc_uncorrected_errors: int | None
        ecc_uncorrected_errors = self.ecc_uncorrected_errors

        xid_errors: int | None
        xid_errors = self.xid_errors

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "index": index,
                "uuid": uuid,
                "model": model,
                "memory_total_bytes": memory_total_bytes,
                "memory_used_bytes": memory_used_bytes,
                "utilization_percent": utilization_percent,
                "temperature_c": temperature_c,
                "power_watts": power_watts,
                "ecc_uncorrected_errors": ecc_uncorrected_errors,
                "xid_errors": xid_errors,
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

        def _parse_memory_used_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        memory_used_bytes = _parse_memory_used_bytes(d.pop("memory_used_bytes"))

        def _parse_utilization_percent(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        utilization_percent = _parse_utilization_percent(d.pop("utilization_percent"))

        def _parse_temperature_c(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        temperature_c = _parse_temperature_c(d.pop("temperature_c"))

        def _parse_power_watts(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        power_watts = _parse_power_watts(d.pop("power_watts"))

        def _parse_ecc_uncorrected_errors(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ecc_uncorrected_errors = _parse_ecc_uncorrected_errors(d.pop("ecc_uncorrected_errors"))

        def _parse_xid_errors(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        xid_errors = _parse_xid_errors(d.pop("xid_errors"))

        gpu_telemetry = cls(
            index=index,
            uuid=uuid,
            model=model,
            memory_total_bytes=memory_total_bytes,
            memory_used_bytes=memory_used_bytes,
            utilization_percent=utilization_percent,
            temperature_c=temperature_c,
            power_watts=power_watts,
            ecc_uncorrected_errors=ecc_uncorrected_errors,
            xid_errors=xid_errors,
        )

        return gpu_telemetry
