from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateSkuBody")


@_attrs_define
class UpdateSkuBody:
    name: None | str | Unset = UNSET
    vcpus: int | None | Unset = UNSET
    ram_gib: int | None | Unset = UNSET
    disk_gib: int | None | Unset = UNSET
    price_per_hour_micros: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        vcpus: int | None | Unset
        if isinstance(self.vcpus, Unset):
            vcpus = UNSET
        else:
            vcpus = self.vcpus

        ram_gib: int | None | Unset
        if isinstance(self.ram_gib, Unset):
            ram_gib = UNSET
        else:
            ram_gib = self.ram_gib

        disk_gib: int | None | Unset
        if isinstance(self.disk_gib, Unset):
            disk_gib = UNSET
        else:
            disk_gib = self.disk_gib

        price_per_hour_micros: int | None | Unset
        if isinstance(self.price_per_hour_micros, Unset):
            price_per_hour_micros = UNSET
        else:
            price_per_hour_micros = self.price_per_hour_micros

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if vcpus is not UNSET:
            field_dict["vcpus"] = vcpus
        if ram_gib is not UNSET:
            field_dict["ram_gib"] = ram_gib
        if disk_gib is not UNSET:
            field_dict["disk_gib"] = disk_gib
        if price_per_hour_micros is not UNSET:
            field_dict["price_per_hour_micros"] = price_per_hour_micros

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_vcpus(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        vcpus = _parse_vcpus(d.pop("vcpus", UNSET))

        def _parse_ram_gib(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ram_gib = _parse_ram_gib(d.pop("ram_gib", UNSET))

        def _parse_disk_gib(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        disk_gib = _parse_disk_gib(d.pop("disk_gib", UNSET))

        def _parse_price_per_hour_micros(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        price_per_hour_micros = _parse_price_per_hour_micros(d.pop("price_per_hour_micros", UNSET))

        update_sku_body = cls(
            name=name,
            vcpus=vcpus,
            ram_gib=ram_gib,
            disk_gib=disk_gib,
            price_per_hour_micros=price_per_hour_micros,
        )

        return update_sku_body
