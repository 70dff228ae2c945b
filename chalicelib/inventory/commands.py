"""Inputs of the inventory use cases, already validated for shape by the API layer."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class CreateSku:
    name: str
    gpu_model: str
    gpus: int
    vcpus: int
    ram_gib: int
    disk_gib: int
    region: str
    price_per_hour_micros: int
    currency: str


@dataclass(frozen=True, slots=True)
class UpdateSku:
    """What an operator may change on a live SKU (None: leave as is). Region, model and shape
    define what a customer rented, so changing them means a new SKU, not an edit."""

    name: str | None = None
    vcpus: int | None = None
    ram_gib: int | None = None
    disk_gib: int | None = None
    price_per_hour_micros: int | None = None

    def changes(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True, slots=True)
class CreateOsImage:
    name: str
    family: str
    version: str
    container_image: str
    cuda_version: str | None = None


@dataclass(frozen=True, slots=True)
class CreateNode:
    hostname: str
    sku_id: str
    gpu_model: str
    gpu_count: int
