"""The public catalog: ``skus`` and ``os-images``."""

from __future__ import annotations

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.money import format_micros
from gpuaas_client.cli.output import Column
from gpuaas_client.cli.params import POSITIVE_INT, PRICE

SKU_COLUMNS: list[Column] = [
    ("ID", lambda s: s.get("id")),
    ("NAME", lambda s: s.get("name")),
    ("GPU MODEL", lambda s: s.get("gpu_model")),
    ("GPUS", lambda s: s.get("gpus")),
    ("VCPUS", lambda s: s.get("vcpus")),
    ("RAM GIB", lambda s: s.get("ram_gib")),
    ("REGION", lambda s: s.get("region")),
    ("PRICE/HOUR", lambda s: format_micros(s["price_per_hour_micros"], s.get("currency", "USD"))),
    ("FREE", lambda s: f"{s.get('free_slots', 0)}/{s.get('total_slots', 0)}"),
]

OS_IMAGE_COLUMNS: list[Column] = [
    ("ID", lambda i: i.get("id")),
    ("NAME", lambda i: i.get("name")),
    ("FAMILY", lambda i: i.get("family")),
    ("VERSION", lambda i: i.get("version")),
    ("CONTAINER IMAGE", lambda i: i.get("container_image")),
]


@click.command("skus", help="The public catalog of SKUs, with their prices and free slots.")
@click.option("--region")
@click.option("--gpu-model")
@click.option("--min-gpus", type=POSITIVE_INT, metavar="N")
@click.option("--max-price-per-hour", type=PRICE, metavar="USD", help="E.g. 2.49 (dollars per hour).")
@click.option("--available", is_flag=True, help="Only SKUs with a free slot.")
@with_context
def skus(
    ctx: Context,
    region: str | None,
    gpu_model: str | None,
    min_gpus: int | None,
    max_price_per_hour: int | None,
    available: bool,
) -> int:
    items = ctx.anonymous().skus(
        region=region,
        gpu_model=gpu_model,
        min_gpus=min_gpus,
        max_price_per_hour_micros=max_price_per_hour,
        available=True if available else None,
    )
    ctx.out.table(list(items), SKU_COLUMNS)
    return 0


@click.command("os-images", help="The OS images an allocation can boot.")
@with_context
def os_images(ctx: Context) -> int:
    ctx.out.table(list(ctx.anonymous().os_images()), OS_IMAGE_COLUMNS)
    return 0


COMMANDS = [skus, os_images]
