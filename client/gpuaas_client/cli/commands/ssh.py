"""``ssh``: connect to an active allocation."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence

import click

from gpuaas_client._api.models import Connection
from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.sdk import GpuaasError


def ssh_command(connection: Connection, extra: Sequence[str] = ()) -> list[str]:
    """``ssh -p PORT USER@HOST [extra...]`` as an argv, from an active allocation's ``connection``.

    Refuses a host or user that ssh would read as an option, or that holds spaces or controls (the
    model holds what the API sent: its types are checked here, not trusted).
    """
    host, user, port = connection.host, connection.user, connection.port
    for what, value in (("host", host), ("user", user)):
        if (
            not isinstance(value, str)
            or not value
            or value.startswith("-")
            or "@" in value
            or any(c.isspace() or not c.isprintable() for c in value)
        ):
            raise GpuaasError(f"the API gave an unusable ssh {what}: {value!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise GpuaasError(f"the API gave an unusable ssh port: {port!r}")
    return ["ssh", "-p", str(port), f"{user}@{host}", *extra]


def _as_list(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    return list(value)


@click.command(
    "ssh",
    short_help="ssh into an active allocation.",
    help="Run `ssh -p PORT USER@HOST [SSH_ARG ...]` for an active allocation. "
    "Arguments after `--` go to ssh: gpuaas ssh ALLOCATION_ID -- -L 8888:localhost:8888",
)
@click.argument("allocation_id")
@click.argument("ssh_args", nargs=-1, metavar="[-- SSH_ARG ...]", callback=_as_list)
@click.option("--print", "print_", is_flag=True, help="Print the ssh command instead of running it.")
@with_context
def ssh(ctx: Context, allocation_id: str, ssh_args: list[str], print_: bool) -> int:
    allocation = ctx.authed().get_allocation(allocation_id)
    state, connection = allocation.state, allocation.connection
    if state != "active" or not connection:
        reason = f" ({allocation.reason})" if allocation.reason else ""
        waiting = state in ("pending", "provisioning")
        advice = f"; wait for it: gpuaas allocations get {allocation_id}" if waiting else ""
        raise GpuaasError(f"allocation {allocation_id} is {state}{reason}, not active{advice}")
    argv = ssh_command(connection, ssh_args)
    if print_:
        ctx.out.result({"argv": argv, "command": shlex.join(argv)}, shlex.join(argv))
        return 0
    for stream in (ctx.out.out, ctx.out.err):
        stream.flush()
    execvp: Callable[[str, list[str]], object] = os.execvp  # looked up now: tests replace it
    try:
        execvp(argv[0], argv)  # a fixed argv, no shell; replaces this process on success
    except OSError as exc:
        raise GpuaasError(f"cannot run ssh: {exc.strerror or exc}") from exc
    return 1  # only when execvp is replaced (tests)


COMMANDS = [ssh]
