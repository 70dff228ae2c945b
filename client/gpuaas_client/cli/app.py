"""The ``gpuaas`` command: the command groups put together, the global options, and :func:`main`.

Built on Click (with Rich for tables and progress). Global options are given to every command and
group, so that they may come before or after the command (``gpuaas --json whoami``,
``gpuaas whoami --json``); what a later one says wins.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import click
from click.core import ParameterSource
from click.shell_completion import get_completion_class

from gpuaas_client.cli.commands import (
    allocations,
    api_keys,
    auth,
    billing,
    catalog,
    config,
    events,
    logs,
    members,
    notifications,
    ssh,
    ssh_keys,
    terminal,
    webhooks,
)
from gpuaas_client.cli.context import Invocation
from gpuaas_client.cli.errors import ExitCode, exit_code_for, print_error, print_usage_error
from gpuaas_client.cli.output import FORMATS, make_console
from gpuaas_client.credentials import CredentialsError
from gpuaas_client.sdk import GpuaasError

PROG = "gpuaas"
COMPLETE_VAR = "_GPUAAS_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

GROUPS = [
    auth,
    api_keys,
    members,
    ssh_keys,
    catalog,
    allocations,
    logs,
    events,
    ssh,
    terminal,
    billing,
    notifications,
    webhooks,
    config,
]


def _invocation(ctx: click.Context) -> Invocation:
    found = ctx.find_object(Invocation)
    if found is None:  # run by something other than main() (a test runner): print to the process's streams
        found = ctx.ensure_object(Invocation)
    return found


def _given(ctx: click.Context, param: click.Parameter) -> bool:
    return param.name is not None and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE


def _remember(field: str, to_value: Callable[[Any], Any] = lambda v: v) -> Callable[..., None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if _given(ctx, param) and not ctx.resilient_parsing:
            setattr(_invocation(ctx).options, field, to_value(value))

    return callback


def global_options() -> list[click.Option]:
    """The options of every command (fresh objects: one set per command)."""
    return [
        click.Option(
            ["-o", "--output"],
            type=click.Choice(FORMATS),
            expose_value=False,
            callback=_remember("output"),
            help="table (default), json (the API's objects, keys sorted) or yaml.",
        ),
        click.Option(
            ["--json"],
            is_flag=True,
            expose_value=False,
            callback=_remember("output", lambda _: "json"),
            help="Same as --output json.",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_remember("quiet"),
            help="Print only ids (or nothing); no notes.",
        ),
        click.Option(
            ["--profile"],
            metavar="NAME",
            expose_value=False,
            callback=_remember("profile"),
            help="The profile (default: $GPUAAS_PROFILE, `gpuaas config use`, or default).",
        ),
        click.Option(
            ["--api-url"],
            metavar="URL",
            expose_value=False,
            callback=_remember("api_url"),
            help="API base URL (default: $GPUAAS_API_URL, the profile's, or http://127.0.0.1:8000).",
        ),
    ]


def _add_global_options(command: click.Command) -> None:
    if not any(p.name == "output" for p in command.params):  # the groups' commands are built once, at import
        command.params.extend(global_options())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_global_options(sub)


# Version and completion ------------------------------------------------------------------------


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from gpuaas_client import __version__

    _invocation(ctx).stdout.write(f"{PROG} {__version__}\n")
    ctx.exit(0)


def _shell(ctx: click.Context, value: str) -> str:
    shell = Path(os.environ.get("SHELL", "")).name if value == "auto" else value
    if shell not in SHELLS:
        raise click.UsageError(
            f"cannot tell the shell{f' ({shell})' if shell else ''}: name one of {', '.join(SHELLS)}", ctx=ctx
        )
    return shell


def completion_script(root: click.Command, shell: str) -> str:
    """The script that makes ``shell`` complete ``gpuaas`` commands and options (Click's completion)."""
    completion = get_completion_class(shell)
    assert completion is not None
    return completion(root, {}, PROG, COMPLETE_VAR).source()


def _show_completion(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    _invocation(ctx).stdout.write(completion_script(ctx.command, _shell(ctx, value)) + "\n")
    ctx.exit(0)


def install_completion(root: click.Command, shell: str, home: Path) -> Path:
    """Write the completion script where ``shell`` finds it; for bash and zsh, load it from the rc file once."""
    script = completion_script(root, shell) + "\n"
    if shell == "fish":
        target = home / ".config" / "fish" / "completions" / f"{PROG}.fish"
        rc, line = None, ""
    elif shell == "zsh":
        target = home / ".zfunc" / f"_{PROG}"
        rc, line = home / ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit"
    else:
        target = home / ".bash_completions" / f"{PROG}.sh"
        rc, line = home / ".bashrc", f"source {target}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(script, encoding="utf-8")
    if rc is not None:
        existing = rc.read_text(encoding="utf-8") if rc.exists() else ""
        if line not in existing:
            with rc.open("a", encoding="utf-8") as handle:
                handle.write(f"\n{line}\n")
    return target


def _install_completion(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    shell = _shell(ctx, value)
    target = install_completion(ctx.command, shell, Path.home())
    _invocation(ctx).stderr.write(f"{shell} completion installed in {target}; it works in new shells.\n")
    ctx.exit(0)


# The tree --------------------------------------------------------------------------------------


@functools.cache
def build_parser() -> click.Group:
    """The whole ``gpuaas`` command tree."""

    @click.group(
        PROG,
        help="The GPUaaS command line: rent GPUs, follow them, pay for them.\n\n"
        "Exit status: 0 ok, 1 error, 2 usage error, 4 not found, 5 payment required.",
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    @click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
                  help="Print the version and exit.")  # fmt: skip
    @click.option(
        "--show-completion", type=click.Choice(["auto", *SHELLS]), is_flag=False, flag_value="auto",
        metavar="[SHELL]", expose_value=False, is_eager=True, callback=_show_completion,
        help="Print the shell completion script (bash, zsh or fish; default: $SHELL's).",
    )  # fmt: skip
    @click.option(
        "--install-completion", type=click.Choice(["auto", *SHELLS]), is_flag=False, flag_value="auto",
        metavar="[SHELL]", expose_value=False, is_eager=True, callback=_install_completion,
        help="Install shell completion for this user (bash, zsh or fish; default: $SHELL's).",
    )  # fmt: skip
    def root() -> None:
        pass

    for group in GROUPS:
        for command in group.COMMANDS:
            root.add_command(command)
    _add_global_options(root)
    return root


def parse_args(command: click.Command, argv: Sequence[str]) -> argparse.Namespace:
    """What a command line means, without running it: the command and action, its parameters and the
    global options. Raises :class:`click.UsageError` for a wrong one."""
    result = command.main(list(argv), prog_name=PROG, standalone_mode=False, obj=Invocation(dry_run=True))
    if not isinstance(result, argparse.Namespace):
        raise click.UsageError(f"not a command: {' '.join(argv)}")
    return result


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``gpuaas`` with ``argv`` (default: the process's), printing to ``stdout`` and ``stderr``; the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    invocation = Invocation(stdout=out, stderr=err)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        result = build_parser().main(args, prog_name=PROG, complete_var=COMPLETE_VAR, standalone_mode=False,
                                     obj=invocation)  # fmt: skip
    except click.UsageError as exc:
        print_usage_error(err, exc)
        return ExitCode.USAGE
    except click.Abort:  # Ctrl-C or end of input at a prompt
        make_console(err).print("interrupted")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show(err)
        return exc.exit_code
    except (GpuaasError, CredentialsError) as exc:
        print_error(err, exc)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        make_console(err).print("interrupted")
        return ExitCode.INTERRUPTED
    return result if isinstance(result, int) else ExitCode.OK


def run() -> None:
    """The ``gpuaas`` console script."""
    sys.exit(main())
