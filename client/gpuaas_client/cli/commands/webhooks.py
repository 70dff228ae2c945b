"""``webhooks``: the org's webhook endpoints, their signing secrets and their delivery log."""

from __future__ import annotations

from typing import Any

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.output import Column


def _value(v: Any) -> Any:
    """An enum of the generated models as its plain value."""
    return getattr(v, "value", v)


WEBHOOK_COLUMNS: list[Column] = [
    ("ID", lambda w: w.id),
    ("URL", lambda w: w.url),
    ("EVENTS", lambda w: ",".join(w.event_types)),
    ("ENABLED", lambda w: "yes" if w.enabled else f"no ({_value(w.disabled_reason) or 'by hand'})"),
    ("DESCRIPTION", lambda w: w.description),
    ("CREATED", lambda w: w.created_at),
]
DELIVERY_COLUMNS: list[Column] = [
    ("ID", lambda d: d.id),
    ("EVENT", lambda d: d.event_type),
    ("EVENT ID", lambda d: d.event_id),
    ("STATUS", lambda d: _value(d.status)),
    ("ATTEMPTS", lambda d: d.attempts),
    ("LAST CODE", lambda d: d.last_status_code),
    ("NEXT", lambda d: d.next_attempt_at),
    ("CREATED", lambda d: d.created_at),
]
ATTEMPT_COLUMNS: list[Column] = [
    ("#", lambda a: a.number),
    ("STATUS", lambda a: _value(a.status)),
    ("CODE", lambda a: a.status_code),
    ("LATENCY MS", lambda a: a.latency_ms),
    ("ERROR", lambda a: a.error),
    ("STARTED", lambda a: a.started_at),
    ("RESPONSE", lambda a: (a.response or "")[:60]),
]


@click.group("webhooks", help="Webhook endpoints, signing secrets and the delivery log.")
def webhooks() -> None:
    pass


def _show_secret(ctx: Context, created: Any, what: str) -> None:
    if ctx.out.quiet:
        ctx.out.ids([created.secret])
    elif ctx.out.machine:
        ctx.out.data(created)
    else:
        ctx.out.rows([created], WEBHOOK_COLUMNS)
        ctx.out.line()
        ctx.out.line(f"secret: {created.secret}")
    if created.secret:
        ctx.out.warn(f"Warning: store this {what} now; it will not be shown again.")
    else:
        ctx.out.warn("This answer is a replay: its secret was shown once already. Rotate for a new one.")


@webhooks.command("create", help="Create an endpoint; its signing secret shows once (--quiet prints it alone).")
@click.argument("url")
@click.option(
    "--event",
    "events",
    multiple=True,
    required=True,
    metavar="TYPE",
    help="An event type or wildcard (allocation.*, balance.low, *); repeat for more.",
)
@click.option("--description", default="", help="What the endpoint is for.")
@click.option("--disabled", is_flag=True, help="Create it disabled.")
@with_context
def create_webhook(ctx: Context, url: str, events: tuple[str, ...], description: str, disabled: bool) -> int:
    created = ctx.authed().create_webhook(url, list(events), description=description, enabled=not disabled)
    _show_secret(ctx, created, "secret")
    return 0


@webhooks.command("list", help="List the org's endpoints.")
@with_context
def list_webhooks(ctx: Context) -> int:
    ctx.out.table(list(ctx.authed().webhooks()), WEBHOOK_COLUMNS)
    return 0


@webhooks.command("get", help="Show one endpoint.")
@click.argument("webhook_id")
@with_context
def get_webhook(ctx: Context, webhook_id: str) -> int:
    w = ctx.authed().get_webhook(webhook_id)
    fields = [
        ("id", w.id),
        ("url", w.url),
        ("events", ", ".join(w.event_types)),
        ("description", w.description),
        ("enabled", w.enabled),
        ("disabled reason", _value(w.disabled_reason)),
        ("failing since", w.failing_since),
        ("old secret until", w.previous_secret_expires_at),
        ("version", w.version),
        ("created", w.created_at),
        ("updated", w.updated_at),
    ]
    ctx.out.record(w, fields, id=w.id)
    return 0


@webhooks.command("update", help="Change an endpoint (only what you pass).")
@click.argument("webhook_id")
@click.option("--url", default=None)
@click.option("--event", "events", multiple=True, metavar="TYPE", help="Replaces the event types; repeat for more.")
@click.option("--description", default=None)
@click.option("--enable/--disable", "enabled", default=None, help="Enabling clears a disabled endpoint's reason.")
@click.option("--if-version", type=int, default=None, metavar="N", help="Refuse if the endpoint is not at version N.")
@with_context
def update_webhook(
    ctx: Context,
    webhook_id: str,
    url: str | None,
    events: tuple[str, ...],
    description: str | None,
    enabled: bool | None,
    if_version: int | None,
) -> int:
    w = ctx.authed().update_webhook(
        webhook_id,
        url=url,
        event_types=list(events) if events else None,
        description=description,
        enabled=enabled,
        if_version=if_version,
    )
    ctx.out.result(w, f"Updated webhook {w.id} (version {w.version}).", id=w.id)
    return 0


@webhooks.command("delete", help="Delete an endpoint; nothing more is sent to it.")
@click.argument("webhook_id")
@with_context
def delete_webhook(ctx: Context, webhook_id: str) -> int:
    ctx.authed().delete_webhook(webhook_id)
    ctx.out.result({"id": webhook_id, "deleted": True}, f"Deleted webhook {webhook_id}.", id=webhook_id)
    return 0


@webhooks.command("rotate", help="A new signing secret (shown once); the old one signs for 24 more hours.")
@click.argument("webhook_id")
@with_context
def rotate_webhook(ctx: Context, webhook_id: str) -> int:
    created = ctx.authed().rotate_webhook_secret(webhook_id)
    _show_secret(ctx, created, "new secret")
    return 0


@webhooks.command("test", help="Send a webhook.ping to the endpoint.")
@click.argument("webhook_id")
@with_context
def test_webhook(ctx: Context, webhook_id: str) -> int:
    d = ctx.authed().test_webhook(webhook_id)
    ctx.out.result(d, f"Queued ping {d.event_id} (delivery {d.id}).", id=d.id)
    return 0


@webhooks.command("deliveries", help="The delivery log, newest first; with a DELIVERY_ID, its attempts.")
@click.argument("webhook_id")
@click.argument("delivery_id", required=False)
@with_context
def deliveries(ctx: Context, webhook_id: str, delivery_id: str | None) -> int:
    client = ctx.authed()
    if delivery_id is None:
        ctx.out.table(list(client.webhook_deliveries(webhook_id)), DELIVERY_COLUMNS)
        return 0
    detail = client.get_webhook_delivery(webhook_id, delivery_id)
    if ctx.out.quiet or ctx.out.machine:
        ctx.out.result(detail, None, id=detail.id)
        return 0
    ctx.out.rows([detail], DELIVERY_COLUMNS)
    ctx.out.line()
    ctx.out.rows(list(detail.attempt_log), ATTEMPT_COLUMNS)
    return 0


@webhooks.command("redeliver", help="Send one delivery again now (same webhook-id).")
@click.argument("webhook_id")
@click.argument("delivery_id")
@with_context
def redeliver(ctx: Context, webhook_id: str, delivery_id: str) -> int:
    d = ctx.authed().redeliver_webhook(webhook_id, delivery_id)
    ctx.out.result(d, f"Queued delivery {d.id} again.", id=d.id)
    return 0


@webhooks.command("recover", help="Resend every delivery that failed since a time (at most 14 days back).")
@click.argument("webhook_id")
@click.option("--since", required=True, metavar="TIME", help="RFC 3339, e.g. 2026-12-01T00:00:00Z")
@with_context
def recover(ctx: Context, webhook_id: str, since: str) -> int:
    r = ctx.authed().recover_webhook(webhook_id, since)
    ctx.out.result(r, f"Queued {r.deliveries} failed deliveries since {r.since} again.", id=webhook_id)
    return 0


COMMANDS = [webhooks]
