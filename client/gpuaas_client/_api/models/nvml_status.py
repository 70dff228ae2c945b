from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="NvmlStatus")


@_attrs_define
class NvmlStatus:
    available: bool
    driver_version: None | str
    error: None | str

    def to_dict(self) -> dict[str, Any]:
        available = self.available

        driver_version: None | str
        driver_version = self.driver_version

        error: None | str
        error = self.error

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "available": available,
                "driver_version": driver_version,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        available = d.pop("available")

        def _parse_driver_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        driver_version = _parse_driver_version(d.pop("driver_version"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        nvml_status = cls(
            available=available,
            driver_version=driver_version,
            error=error,
        )

        return nvml_status
