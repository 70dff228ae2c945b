"""Exit codes, usage errors, and how an error prints: the API's catalog code and message, never a traceback.

Exit codes (documented in the client's README):

====  ===================================================================================
0     success
1     an error: the API refused (any catalog code not below), the network failed, a wait timed out
2     a usage error: the command line is wrong; nothing was sent
4     not found: the API answered 404 with a ``*_NOT_FOUND`` code (``ROUTE_NOT_FOUND`` is 1: the API
      lacks the route, which says the client and server disagree, not that a thing is missing)
5     payment required: the API answered 402 (``INSUFFICIENT_FUNDS``, ``SPEND_CAP_REACHED``)
130   interrupted (Ctrl-C)
====  ===================================================================================
"""

from __future__ import annotations

import enum
from typing import TextIO

import click
from rich.text import Text

from gpuaas_client.cli.output import make_console
from gpuaas_client.credentials import CredentialsError
from gpuaas_client.sdk import ApiError, GpuaasError


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 4
    PAYMENT_REQUIRED = 5
    INTERRUPTED = 130


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code of a command that failed with ``exc``."""
    if isinstance(exc, click.UsageError):
        return ExitCode.USAGE
    if isinstance(exc, ApiError):
        if exc.status == 404 and exc.code != "ROUTE_NOT_FOUND":
            return ExitCode.NOT_FOUND
        if exc.status == 402:
            return ExitCode.PAYMENT_REQUIRED
    return ExitCode.ERROR


class UsageError(click.UsageError):
    """The command line is wrong (exit status 2), found by a command rather than by the parser."""

    def __init__(self, message: str) -> None:
        # The context of the command that raised it, so that its usage line can be printed.
        super().__init__(message, ctx=click.get_current_context(silent=True))


# A line more to print under some API errors: what to do about them.
ERROR_HINTS = {
    "NO_SSH_KEYS": "add one first: gpuaas ssh-keys add NAME ~/.ssh/id_ed25519.pub",
    "INSUFFICIENT_CAPACITY": "see what is free: gpuaas skus --available",
    "INVALID_ALLOCATION_STATE": "see its state: gpuaas allocations get ALLOCATION_ID",
    "INSUFFICIENT_FUNDS": "see the balance and runway: gpuaas balance; top up: gpuaas topup AMOUNT",
    "SPEND_CAP_REACHED": "see the cap: gpuaas spend-cap; an owner can raise it: gpuaas spend-cap set AMOUNT",
    "ACCOUNT_FROZEN": "see gpuaas balance; new allocations stay refused until an operator lifts the freeze",
    "ROUTE_NOT_FOUND": "the API may be older than this client, or this is not the local stage",
}


def _line(console_text: list[tuple[str, str]]) -> Text:
    return Text.assemble(*console_text)


def print_error(err: TextIO, exc: GpuaasError | CredentialsError) -> None:
    """``error CODE: message (request_id)``, the fields at fault, a Retry-After, a hint; on ``err``."""
    console = make_console(err)
    if isinstance(exc, ApiError):
        suffix = f" ({exc.request_id})" if exc.request_id else ""
        console.print(_line([("error", "bold red"), (f" {exc.code}", "bold"), (f": {exc.message}{suffix}", "")]))
        for d in exc.details or []:
            if isinstance(d, dict):
                console.print(Text(f"  {d.get('field', '?')}: {d.get('problem', '')}"))
        if exc.status == 429 or exc.retry_after is not None:
            wait = f"{exc.retry_after} seconds" if exc.retry_after is not None else "a while"
            console.print(Text(f"rate limited: retry after {wait}"))
        if exc.code in ERROR_HINTS:
            console.print(_line([("hint", "cyan"), (f": {ERROR_HINTS[exc.code]}", "")]))
    else:
        console.print(_line([("error", "bold red"), (f": {exc}", "")]))


def print_usage_error(err: TextIO, exc: click.UsageError) -> None:
    """Like argparse: the usage line, what is wrong, where to read more."""
    console = make_console(err)
    ctx = exc.ctx
    prog = ctx.command_path if ctx is not None else "gpuaas"
    if ctx is not None:
        usage = ctx.get_usage()
        console.print(Text("usage:" + usage[len("Usage:") :] if usage.startswith("Usage:") else usage))
    message = exc.format_message()
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and ctx is not None and isinstance(ctx.command, click.Group):
        message = f"missing command (one of: {', '.join(ctx.command.list_commands(ctx))})"
    console.print(_line([(f"{prog}: ", ""), ("error", "bold red"), (f": {message}", "")]))
    if ctx is not None:
        console.print(Text(f"Try '{prog} --help' for help."))
