"""``logs``: what an allocation's workloads printed (its startup script first), and ``-f`` to follow it."""

from __future__ import annotations

import json

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.params import TIME
from gpuaas_client.sdk import LogLine


def _print(ctx: Context, line: LogLine, *, stream: bool) -> None:
    out = ctx.out
    if out.quiet:
        out.write(f"{line.message}\n")
    elif out.machine:
        out.write(json.dumps(line.to_dict(), sort_keys=True) + "\n")
    else:
        out.write(f"{line.time}  {line.message}\n")
    if stream:
        out.out.flush()


@click.command(
    "logs",
    short_help="An allocation's output (-f: follow it).",
    help="Print what ALLOCATION_ID's workloads printed, oldest first: its startup script's output (stdout and "
    "stderr), then the agent's notes (the script's exit status, lines dropped). With --follow, keep printing new "
    "lines as they arrive until Ctrl-C. Each line is `TIME  MESSAGE`; --output json prints one JSON object per "
    "line ({time, message}), --quiet the messages only.",
)
@click.argument("allocation_id")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines as they arrive (Ctrl-C stops).")
@click.option("--since", type=TIME, metavar="TIME", help="Only lines at or after this day or UTC time.")
@with_context
def logs(ctx: Context, allocation_id: str, follow: bool, since: str | None) -> int:
    client = ctx.authed()
    if ctx.out.machine and ctx.out.format == "yaml" and not follow:
        ctx.out.data(list(client.allocation_logs(allocation_id, since=since)))
        return 0
    for line in client.allocation_logs(allocation_id, since=since, follow=follow):
        _print(ctx, line, stream=follow)
    return 0


COMMANDS = [logs]
