from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.sku_status import SkuStatus, check_sku_status

T = TypeVar("T", bound="Sku")


@_attrs_define
class Sku:
    id: str
    name: str
    gpu_model: str
    gpus: int
    """ GPUs per slot (one rental unit). """
    vcpus: int
    ram_gib: int
    disk_gib: int
    region: str
    price_per_hour_micros: int
    """ Price per hour in integer micro-units of `currency`. """
    currency: str
    status: SkuStatus
    created_at: str
    updated_at: str
    version: int
    """ Bumped by every change; the ETag. """
    total_slots: int
    free_slots: int
    available: bool
    """ Active with at least one free slot. """

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        gpu_model = self.gpu_model

        gpus = self.gpus

        vcpus = self.vcpus

        ram_gib = self.ram_gib

        disk_gib = self.disk_gib

        region = self.region

        price_per_hour_micros = self.price_per_hour_micros

        currency = self.currency

        status: str = self.status

        created_at = self.created_at

        updated_at = self.updated_at

        version = self.version

        total_slots = self.total_slots

        free_slots = self.free_slots

        available = self.available

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "gpu_model": gpu_model,
                "gpus": gpus,
                "vcpus": vcpus,
                "ram_gib": ram_gib,
                "disk_gib": disk_gib,
                "region": region,
                "price_per_hour_micros": price_per_hour_micros,
                "currency": currency,
                "status": status,
                "created_at": created_at,
                "updated_at": updated_at,
                "version": version,
                "total_slots": total_slots,
                "free_slots": free_slots,
                "available": available,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        gpu_model = d.pop("gpu_model")

        gpus = d.pop("gpus")

        vcpus = d.pop("vcpus")

        ram_gib = d.pop("ram_gib")

        disk_gib = d.pop("disk_gib")

        region = d.pop("region")

        price_per_hour_micros = d.pop("price_per_hour_micros")

        currency = d.pop("currency")

        status = check_sku_status(d.pop("status"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        total_slots = d.pop("total_slots")

        free_slots = d.pop("free_slots")

        available = d.pop("available")

        sku = cls(
            id=id,
            name=name,
            gpu_model=gpu_model,
            gpus=gpus,
            vcpus=vcpus,
            ram_gib=ram_gib,
            disk_gib=disk_gib,
            region=region,
            price_per_hour_micros=price_per_hour_micros,
            currency=currency,
            status=status,
            created_at=created_at,
            updated_at=updated_at,
            version=version,
            total_slots=total_slots,
            free_slots=free_slots,
            available=available,
        )

        return sku
