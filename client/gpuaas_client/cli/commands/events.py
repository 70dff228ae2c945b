"""``events``: the org's event feed (the same public events webhooks deliver), and ``--follow`` to stream it."""

from __future__ import annotations

import json

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.sdk import PublicEvent


def _print(ctx: Context, event: PublicEvent, *, stream: bool) -> None:
    out = ctx.out
    if out.quiet:
        out.write(f"{event.id}\n")
    elif out.machine:
        out.write(json.dumps(event.to_dict(), sort_keys=True) + "\n")
    else:
        data = event.data.to_dict()
        subject = data.get("allocation_id") or data.get("org_id") or (data.get("node") or {}).get("id") or ""
        out.write(f"{event.timestamp}  {event.type_:<26} {subject}  {event.id}\n")
    if stream:
        out.out.flush()


@click.command(
    "events",
    short_help="The org's events in order (--follow: stream them).",
    help="Print the org's public events (allocation.*, balance.*, payment.*: the same events, with the same ids, "
    "as webhooks deliver), oldest first, from the feed's oldest kept event or from --after CURSOR. With --follow, "
    "keep printing new events as they arrive (a long poll) until Ctrl-C; the cursor to resume from is printed to "
    "standard error at the end. Each line is `TIMESTAMP  TYPE  SUBJECT  ID`; --output json prints one JSON object "
    "per event ({id, type, timestamp, data}, one per line), --quiet the ids only.",
)
@click.option("--after", metavar="CURSOR", help="Start after this cursor (printed by an earlier run).")
@click.option("--types", metavar="T1,T2", help="Only these types or patterns, comma-separated (allocation.*).")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new events as they arrive (Ctrl-C stops).")
@click.option("--platform", is_flag=True, help="The platform's feed of fleet events (platform operators).")
@with_context
def events(ctx: Context, after: str | None, types: str | None, follow: bool, platform: bool) -> int:
    client = ctx.authed()
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    feed = client.events(after=after, types=wanted, follow=follow, platform=platform)
    try:
        for event in feed:
            _print(ctx, event, stream=follow)
    finally:
        if feed.cursor:
            # Where to resume (--after), on stderr so that stdout stays the events alone.
            ctx.out.err.write(f"cursor: {feed.cursor}\n")
            ctx.out.err.flush()
    return 0


COMMANDS = [events]
