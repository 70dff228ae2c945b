"""Request models of the public and admin API (pydantic through Powertools' parser stack).

Bodies are strict (no "8" for 8, no unknown fields); query strings are strings on the wire, so
query models coerce but still reject unknown parameters. Bounds here are representation
bounds (what fits an int64/JSON number, what a DynamoDB key can hold), not business policy.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Largest integer every JSON client represents exactly (IEEE-754 double).
JSON_SAFE_INT = 2**53 - 1

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="lowercase, digits, dashes")]
GpuModel = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["H100-80GB-SXM"])]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", examples=["us-east-1"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
Micros = Annotated[int, Field(ge=0, le=JSON_SAFE_INT, description="integer micro-units of the currency")]
Count = Annotated[int, Field(ge=1, le=1_000_000)]
Hostname = Annotated[
    str,
    Field(
        max_length=253,
        min_length=1,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    ),
]
Cursor = Annotated[str, Field(min_length=1, max_length=2048)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSkuBody(Body):
    name: Name
    gpu_model: GpuModel
    gpus: Count
    vcpus: Count
    ram_gib: Count
    disk_gib: Count
    region: Region
    price_per_hour_micros: Micros
    currency: Currency = "USD"


class UpdateSkuBody(Body):
    name: Name | None = None
    vcpus: Count | None = None
    ram_gib: Count | None = None
    disk_gib: Count | None = None
    price_per_hour_micros: Micros | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UpdateSkuBody:
        if not self.model_dump(exclude_none=True):
            raise ValueError("Send at least one field to change")
        return self


class CreateOsImageBody(Body):
    name: Name
    family: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$", examples=["ubuntu"])]
    version: Annotated[str, Field(pattern=r"^[0-9A-Za-z.]{1,32}$", examples=["22.04"])]
    container_image: Annotated[
        str, Field(pattern=r"^[a-z0-9][a-z0-9._/:@-]{0,254}$", examples=["nvidia/cuda:12.4.1-runtime-ubuntu22.04"])
    ]
    cuda_version: Annotated[str, Field(pattern=r"^[0-9]{1,2}\.[0-9]{1,2}$")] | None = None


class CreateNodeBody(Body):
    hostname: Hostname
    sku_id: Annotated[str, Field(pattern=r"^sku_[0-9a-z]{26}$")]
    gpu_model: GpuModel
    gpu_count: Count


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=JSON_SAFE_INT)] | None = None
    cursor: Cursor | None = None


class CatalogQuery(PageQuery):
    gpu_model: GpuModel | None = None
    min_gpus: Count | None = None
    region: Region | None = None
    max_price_per_hour_micros: Micros | None = None
    available: bool | None = None


class DevTokenBody(Body):
    user: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")]
    org: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    role: Annotated[str, Field(pattern=r"^(operator|owner|admin|member|billing|viewer)$")]
