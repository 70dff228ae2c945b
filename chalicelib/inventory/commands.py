"""Inputs of the inventory use cases, already validated for shape by the API layer."""

from __future__ import annotations

from dataclasses import dataclass


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
