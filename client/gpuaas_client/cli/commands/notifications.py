"""``notifications``: your in-app notifications and which ones reach you by email."""

from __future__ import annotations

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.errors import UsageError
from gpuaas_client.cli.output import Column

NOTIFICATION_COLUMNS: list[Column] = [
    ("ID", lambda n: n.id),
    ("WHEN", lambda n: n.created_at),
    ("CATEGORY", lambda n: str(n.category)),
    ("TITLE", lambda n: n.title),
    ("READ", lambda n: "yes" if n.read else "no"),
]
PREFERENCE_COLUMNS: list[Column] = [
    ("CATEGORY", lambda c: str(c.name)),
    ("EMAIL", lambda c: "on" if c.email else "off"),
    ("MANDATORY", lambda c: "yes" if c.mandatory else ""),
    ("WHAT", lambda c: c.title),
]


@click.group("notifications", help="Your notifications and email preferences.")
def notifications() -> None:
    pass


@notifications.command("list", help="List your notifications, newest first.")
@click.option("--unread", is_flag=True, help="Only the unread ones.")
@click.option("--limit", type=click.IntRange(1, 200), default=None, help="At most this many.")
@with_context
def list_notifications(ctx: Context, unread: bool, limit: int | None) -> int:
    client = ctx.authed()
    page = client.notification_page(limit=limit)
    items = [n for n in page.items if not unread or not n.read]
    if ctx.out.machine:
        ctx.out.data({"items": items, "unread_count": page.unread_count, "next_cursor": page.next_cursor})
        return 0
    ctx.out.table(items, NOTIFICATION_COLUMNS)
    if ctx.out.human:
        ctx.out.line(f"{page.unread_count} unread.")
    return 0


@notifications.command("read", help="Mark notifications read (all of them with --all).")
@click.argument("notification_ids", metavar="ID...", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every notification of yours in this org.")
@with_context
def read(ctx: Context, notification_ids: tuple[str, ...], all_: bool) -> int:
    if all_ == bool(notification_ids):
        raise UsageError("give notification ids, or --all")
    client = ctx.authed()
    if all_:
        marked = client.mark_all_notifications_read().marked
    else:
        for notification_id in notification_ids:
            client.mark_notification_read(notification_id)
        marked = len(notification_ids)
    if ctx.out.human:
        ctx.out.line(f"Marked {marked} read.")
    elif ctx.out.machine:
        ctx.out.data({"marked": marked})
    return 0


@notifications.command("preferences", help="Show, or change with --on/--off, which categories you get by email.")
@click.option("--on", "turn_on", multiple=True, metavar="CATEGORY", help="Email this category (repeatable).")
@click.option("--off", "turn_off", multiple=True, metavar="CATEGORY", help="Stop emailing it (repeatable).")
@with_context
def preferences(ctx: Context, turn_on: tuple[str, ...], turn_off: tuple[str, ...]) -> int:
    client = ctx.authed()
    if set(turn_on) & set(turn_off):
        raise UsageError("a category cannot be both --on and --off")
    changes = {**{c: True for c in turn_on}, **{c: False for c in turn_off}}
    current = client.set_notification_preferences(changes) if changes else client.notification_preferences()
    if ctx.out.machine:
        ctx.out.data(current)
    else:
        ctx.out.table(list(current.categories), PREFERENCE_COLUMNS, id_key="name")
    return 0


COMMANDS = [notifications]
