"""The ``gpuaas`` command line.

    gpuaas [--output table|json|yaml] [--quiet] [--profile P] [--api-url URL] COMMAND ...

One module per command group in :mod:`gpuaas_client.cli.commands`; the shared parts are
:mod:`~gpuaas_client.cli.app` (the tree, global options, :func:`main`), :mod:`~gpuaas_client.cli.context`,
:mod:`~gpuaas_client.cli.output`, :mod:`~gpuaas_client.cli.errors` (exit codes), :mod:`~gpuaas_client.cli.params`,
:mod:`~gpuaas_client.cli.money` and :mod:`~gpuaas_client.cli.progress`.
"""

from __future__ import annotations

import getpass
import os

from gpuaas_client.cli.app import build_parser, main, parse_args
from gpuaas_client.cli.commands.allocations import DEFAULT_WAIT_SECONDS, OS_IMAGE_ID, SKU_ID, SSH_KEY_ID, resolve_id
from gpuaas_client.cli.commands.billing import (
    DEFAULT_LEDGER_LIMIT,
    DEFAULT_TOPUP_WAIT_SECONDS,
    LEDGER_CSV_COLUMNS,
    LEDGER_PAGE_SIZE,
    balance_warnings,
    ledger_csv,
    topup_entry,
)
from gpuaas_client.cli.commands.ssh import ssh_command
from gpuaas_client.cli.context import DEFAULT_API_URL, Context, GlobalOptions
from gpuaas_client.cli.errors import ERROR_HINTS, ExitCode, UsageError, exit_code_for, print_error
from gpuaas_client.cli.money import (
    dollars_to_micros,
    format_duration,
    format_micros,
    format_signed_micros,
    parse_amount,
)
from gpuaas_client.cli.output import Output, render_table
from gpuaas_client.cli.progress import Progress, format_step

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_LEDGER_LIMIT",
    "DEFAULT_TOPUP_WAIT_SECONDS",
    "DEFAULT_WAIT_SECONDS",
    "ERROR_HINTS",
    "LEDGER_CSV_COLUMNS",
    "LEDGER_PAGE_SIZE",
    "OS_IMAGE_ID",
    "SKU_ID",
    "SSH_KEY_ID",
    "Context",
    "ExitCode",
    "GlobalOptions",
    "Output",
    "Progress",
    "UsageError",
    "balance_warnings",
    "build_parser",
    "dollars_to_micros",
    "exit_code_for",
    "format_duration",
    "format_micros",
    "format_signed_micros",
    "format_step",
    "getpass",
    "ledger_csv",
    "main",
    "os",
    "parse_amount",
    "parse_args",
    "print_error",
    "render_table",
    "resolve_id",
    "ssh_command",
    "topup_entry",
]
