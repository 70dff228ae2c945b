"""``allocations``: rent GPU slots, follow them, give them back."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable
from typing import Protocol, TextIO

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.errors import UsageError
from gpuaas_client.cli.money import format_micros
from gpuaas_client.cli.output import Column
from gpuaas_client.cli.params import POSITIVE_INT, SECONDS, none_if_empty
from gpuaas_client.cli.progress import Progress, make_progress
from gpuaas_client.sdk import ALLOCATION_STATES, Allocation, AllocationEvent, Client, WaitTimeout

DEFAULT_WAIT_SECONDS = 600

SKU_ID = re.compile(r"^sku_[0-9a-z]{26}$")
OS_IMAGE_ID = re.compile(r"^img_[0-9a-z]{26}$")
SSH_KEY_ID = re.compile(r"^ssh_[0-9a-z]{26}$")


class Named(Protocol):
    """What a name resolves among: a SKU, an OS image, an SSH key."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


def resolve_id(kind: str, value: str, pattern: re.Pattern[str], fetch: Callable[[], Iterable[Named]], see: str) -> str:
    """``value`` when it is an id; otherwise the id of the one item named ``value`` (``fetch`` lists them)."""
    if pattern.match(value):
        return value
    ids = [i.id for i in fetch() if i.name == value]
    if not ids:
        raise UsageError(f"no {kind} named {value!r} (see `{see}`)")
    if len(ids) > 1:
        raise UsageError(f"{len(ids)} {kind}s are named {value!r} ({', '.join(ids)}); give the id")
    return ids[0]


def gpus(a: Allocation) -> str:
    return f"{a.gpus} x {a.gpu_model}"


def _price(a: Allocation) -> str:
    return format_micros(a.price_per_hour_micros, a.currency)


def _event_field(e: AllocationEvent, name: str) -> object:
    return e.data.additional_properties.get(name)


ALLOCATION_COLUMNS: list[Column] = [
    ("ID", lambda a: a.id),
    ("NAME", lambda a: a.name),
    ("STATE", lambda a: a.state),
    ("SLOTS", lambda a: a.count),
    ("GPUS", gpus),
    ("REGION", lambda a: a.region),
    ("PRICE/HOUR", _price),
    ("CREATED", lambda a: a.created_at),
]

EVENT_COLUMNS: list[Column] = [
    ("TIME", lambda e: e.time),
    ("TYPE", lambda e: e.type_),
    ("STATE", lambda e: _event_field(e, "state")),
    ("REASON", lambda e: _event_field(e, "reason")),
]


def _record(ctx: Context, a: Allocation) -> None:
    ctx.out.record(
        a,
        [
            ("id", a.id),
            ("name", a.name),
            ("state", f"{a.state}: {a.reason}" if a.reason else a.state),
            ("sku", a.sku_id),
            ("slots", a.count),
            ("gpus", gpus(a)),
            ("region", a.region),
            ("node", a.node_id),
            ("os image", a.os_image_id),
            ("price/hour", _price(a)),
            ("created", a.created_at),
            ("active since", a.activated_at),
            ("released", a.released_at),
            ("failed", a.failed_at),
            ("connect", a.connection.command if a.connection else None),
            ("actions", ", ".join(a.allowed_actions) or None),
        ],
        id=a.id,
    )


def _wait(
    ctx: Context, client: Client, allocation: Allocation, states: Collection[str], timeout: float, progress: Progress
) -> Allocation | None:
    """Wait with progress; the allocation it ended in, or None after a timeout (already reported)."""
    allocation_id = allocation.id
    progress(allocation)
    try:
        try:
            return client.wait_for_allocation(allocation_id, states, timeout, on_change=progress)
        finally:
            progress.done()
    except WaitTimeout as exc:
        last = exc.allocation
        if ctx.out.machine:
            ctx.out.data(last)
        ctx.out.fail(
            f"error: timed out after {timeout:g}s: allocation {allocation_id} is still {last.state}; "
            f"it carries on (gpuaas allocations get {allocation_id})"
        )
        return None
    except KeyboardInterrupt:
        ctx.out.warn(f"Stopped waiting; {allocation_id} carries on (gpuaas allocations get {allocation_id}).")
        raise


@click.group("allocations", help="Rent GPU slots and give them back.")
def allocations() -> None:
    pass


@allocations.command(
    "create",
    short_help="Rent slots of a SKU (--wait: until active).",
    help="Rent --count slots of a SKU, all on one node. With --wait, show each change of state with the "
    "seconds since the start (live on a terminal), exit 0 once active (printing how to connect), 1 if it "
    "fails or the wait times out (the allocation carries on).",
)
@click.option("--sku", required=True, metavar="SKU", help="A SKU id or name (gpuaas skus).")
@click.option("--image", required=True, metavar="OS_IMAGE", help="An OS image id or name (gpuaas os-images).")
@click.option("--count", type=POSITIVE_INT, default=1, metavar="N", show_default=True, help="Slots.")
@click.option(
    "--ssh-key",
    "ssh_keys",
    multiple=True,
    metavar="KEY",
    callback=none_if_empty,
    help="An SSH key id or name to install; repeat for more (default: all your keys).",
)
@click.option("--name", help="Lowercase letters, digits and dashes.")
@click.option(
    "--startup-script",
    type=click.File("r", encoding="utf-8"),
    metavar="FILE",
    help="A shell script the node runs once the allocation is active (- reads stdin); see `gpuaas logs ID`.",
)
@click.option("--wait", is_flag=True, help="Show progress and wait until it is active.")
@click.option(
    "--timeout",
    type=SECONDS,
    default=float(DEFAULT_WAIT_SECONDS),
    metavar="SECONDS",
    show_default=True,
    help="With --wait: give up waiting after this long.",
)
@click.option(
    "--idempotency-key", metavar="KEY", help="The same key makes a retried create rent once (default: a fresh UUID)."
)
@with_context
def create(
    ctx: Context,
    sku: str,
    image: str,
    count: int,
    ssh_keys: list[str] | None,
    name: str | None,
    startup_script: TextIO | None,
    wait: bool,
    timeout: float,
    idempotency_key: str | None,
) -> int:
    script = startup_script.read() if startup_script is not None else None
    if script is not None and not script:
        raise UsageError("the startup script is empty")
    client = ctx.authed()
    sku_id = resolve_id("SKU", sku, SKU_ID, client.skus, "gpuaas skus")
    image_id = resolve_id("OS image", image, OS_IMAGE_ID, client.os_images, "gpuaas os-images")
    key_ids = None
    if ssh_keys:
        keys = functools.cache(lambda: list(client.ssh_keys()))
        key_ids = [resolve_id("SSH key", k, SSH_KEY_ID, keys, "gpuaas ssh-keys list") for k in ssh_keys]
    allocation = client.create_allocation(
        sku_id,
        image_id,
        count,
        ssh_key_ids=key_ids,
        name=name,
        startup_script=script,
        idempotency_key=idempotency_key,
    )
    allocation_id = allocation.id
    if not wait:
        _record(ctx, allocation)
        ctx.out.note(f"Provisioning goes on; follow it with `gpuaas allocations get {allocation_id}`.")
        return 0
    progress = make_progress(ctx.out.err_console, quiet=ctx.out.quiet)  # from the API's answer
    final = _wait(ctx, client, allocation, ("active",), timeout, progress)
    if final is None:
        return 1
    if ctx.out.machine:
        ctx.out.data(final)
    state = final.state
    if state != "active":
        reason = f": {final.reason}" if final.reason else ""
        ctx.out.fail(f"error: allocation {allocation_id} {state}{reason}")
        return 1
    if ctx.out.quiet:
        ctx.out.ids([allocation_id])
    elif ctx.out.human:
        command = final.connection.command if final.connection else None
        ctx.out.line(f"Allocation {allocation_id} is active ({progress.elapsed:.1f}s): {gpus(final)}.", style="green")
        ctx.out.line(f"Connect: {command or '-'}")
        ctx.out.line(f"     or: gpuaas ssh {allocation_id}")
        if script is not None:
            ctx.out.line(f"   Logs: gpuaas logs {allocation_id} -f")
        ctx.out.line(f"Release: gpuaas allocations release {allocation_id}")
    return 0


@allocations.command("list", help="The org's allocations, newest first.")
@click.option("--state", type=click.Choice(ALLOCATION_STATES))
@with_context
def list_allocations(ctx: Context, state: str | None) -> int:
    ctx.out.table(list(ctx.authed().allocations(state=state)), ALLOCATION_COLUMNS)
    return 0


@allocations.command("get", help="One allocation and how to connect.")
@click.argument("allocation_id")
@with_context
def get(ctx: Context, allocation_id: str) -> int:
    _record(ctx, ctx.authed().get_allocation(allocation_id))
    return 0


@allocations.command("release", help="Give the slots back (--wait: until released). Billing stops at once.")
@click.argument("allocation_id")
@click.option("--wait", is_flag=True, help="Show progress and wait until it is released.")
@click.option(
    "--timeout",
    type=SECONDS,
    default=float(DEFAULT_WAIT_SECONDS),
    metavar="SECONDS",
    show_default=True,
    help="With --wait: give up waiting after this long.",
)
@with_context
def release(ctx: Context, allocation_id: str, wait: bool, timeout: float) -> int:
    client = ctx.authed()
    allocation = client.release_allocation(allocation_id)
    allocation_id = allocation.id
    if not wait:
        ctx.out.result(
            allocation,
            f"Releasing {allocation_id} ({allocation.state}); billing has stopped.",
            id=allocation_id,
        )
        return 0
    progress = make_progress(ctx.out.err_console, quiet=ctx.out.quiet)  # from the API's answer
    final = _wait(ctx, client, allocation, ("released",), timeout, progress)
    if final is None:
        return 1
    if final.state == "released":
        text = f"Released {allocation_id} ({progress.elapsed:.1f}s)."
    else:  # failed before it became active: nothing is left running either
        reason = f": {final.reason}" if final.reason else ""
        text = f"Allocation {allocation_id} ended {final.state}{reason}; its slots are free."
    ctx.out.result(final, text, id=allocation_id)
    return 0


@allocations.command(
    "set-ssh-keys",
    help="Replace an active allocation's SSH keys with these of yours; its host has them within seconds "
    "(new connections use them, open sessions stay).",
)
@click.argument("allocation_id")
@click.option(
    "--ssh-key", "ssh_keys", multiple=True, required=True, metavar="KEY",
    help="An SSH key id or name; repeat for more.",
)  # fmt: skip
@with_context
def set_ssh_keys(ctx: Context, allocation_id: str, ssh_keys: list[str]) -> int:
    client = ctx.authed()
    keys = functools.cache(lambda: list(client.ssh_keys()))
    key_ids = [resolve_id("SSH key", k, SSH_KEY_ID, keys, "gpuaas ssh-keys list") for k in ssh_keys]
    allocation = client.set_allocation_ssh_keys(allocation_id, key_ids)
    text = f"Allocation {allocation.id} now opens with {len(allocation.ssh_key_ids)} key(s): sent to its host."
    ctx.out.result(allocation, text, id=allocation.id)
    return 0


@allocations.command("events", help="An allocation's history, oldest first.")
@click.argument("allocation_id")
@with_context
def events(ctx: Context, allocation_id: str) -> int:
    ctx.out.table(list(ctx.authed().allocation_events(allocation_id)), EVENT_COLUMNS)
    return 0


COMMANDS = [allocations]
