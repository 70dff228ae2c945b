"""The public catalog: ``skus`` and ``os-images``."""

from __future__ import annotations

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.money import format_micros
from gpuaas_client.cli.output import Column
from gpuaas_client.cli.params import POSITIVE_INT, PRICE

SKU_COLUMNS: list[Column] = [
    ("ID", lambda s: s.id),
    ("NAME", lambda s: s.name),
    ("GPU MODEL", lambda s: s.gpu_model),
    ("GPUS", lambda s: s.gpus),
    ("VCPUS", lambda s: s.vcpus),
    ("RAM GIB", lambda s: s.ram_gib),
    ("REGION", lambda s: s.region),
    ("PRICE/HOUR", lambda s: format_micros(s.price_per_hour_micros, s.currency)),
    ("FREE", lambda s: f"{s.free_slots}/{s.total_slots}"),
]

OS_IMAGE_COLUMNS: list[Column] = [
    ("ID", lambda i: i.id),
    ("NAME", lambda i: i.name),
    ("FAMILY", lambda i: i.family),
    ("VERSION", lambda i: i.version),
    ("CONTAINER IMAGE", lambda i: i.container_image),
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
