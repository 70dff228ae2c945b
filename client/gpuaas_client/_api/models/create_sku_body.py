from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateSkuBody")


@_attrs_define
class CreateSkuBody:
    name: str
    """ lowercase, digits, dashes """
    gpu_model: str
    gpus: int
    vcpus: int
    ram_gib: int
    disk_gib: int
    region: str
    price_per_hour_micros: int
    """ integer micro-units of the currency """
    currency: str | Unset = "USD"

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        gpu_model = self.gpu_model

        gpus = self.gpus

        vcpus = self.vcpus

        ram_gib = self.ram_gib

        disk_gib = self.disk_gib

        region = self.region

        price_per_hour_micros = self.price_per_hour_micros

        currency = self.currency

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "gpu_model": gpu_model,
                "gpus": gpus,
                "vcpus": vcpus,
                "ram_gib": ram_gib,
                "disk_gib": disk_gib,
                "region": region,
                "price_per_hour_micros": price_per_hour_micros,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        gpu_model = d.pop("gpu_model")

        gpus = d.pop("gpus")

        vcpus = d.pop("vcpus")

        ram_gib = d.pop("ram_gib")

        disk_gib = d.pop("disk_gib")

        region = d.pop("region")

        price_per_hour_micros = d.pop("price_per_hour_micros")

        currency = d.pop("currency", UNSET)

        create_sku_body = cls(
            name=name,
            gpu_model=gpu_model,
            gpus=gpus,
            vcpus=vcpus,
            ram_gib=ram_gib,
            disk_gib=disk_gib,
            region=region,
            price_per_hour_micros=price_per_hour_micros,
            currency=currency,
        )

        return create_sku_body
