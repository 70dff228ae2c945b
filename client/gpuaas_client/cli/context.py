"""What every command needs: the global options, the profile, the API URL, clients and the output."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TextIO

import click

from gpuaas_client.cli.output import Output
from gpuaas_client.credentials import CredentialStore
from gpuaas_client.sdk import Client, GpuaasError, Tokens

DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_PROFILE = "default"


@dataclass
class GlobalOptions:
    """The options every command takes, before or after its name (``gpuaas whoami --json``).

    ``None`` means not given on the command line: the profile's setting or the default applies.
    """

    api_url: str | None = None
    profile: str | None = None
    output: str | None = None
    quiet: bool = False


@dataclass
class Invocation:
    """One run of ``gpuaas``: where it prints, the global options as parsed so far, and whether it only
    parses (``parse_args``) instead of running the command."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    options: GlobalOptions = field(default_factory=GlobalOptions)
    dry_run: bool = False


def resolve_profile(options: GlobalOptions, store: CredentialStore) -> str:
    """``--profile``, else ``$GPUAAS_PROFILE``, else the one chosen with ``gpuaas config use``, else ``default``."""
    return options.profile or os.environ.get("GPUAAS_PROFILE") or store.current_profile() or DEFAULT_PROFILE


class Context:
    """The profile, its credentials and settings, the API URL and clients for it, and the output."""

    def __init__(self, options: GlobalOptions, invocation: Invocation | None = None) -> None:
        self.options = options
        self.invocation = invocation or Invocation(options=options)
        self.store = CredentialStore()
        self.profile_name = resolve_profile(options, self.store)
        self._profile: dict[str, Any] | None = None
        self._loaded = False
        self.settings = self.store.settings(self.profile_name)
        fmt = options.output or self.settings.get("output") or "table"
        self.out = Output(
            self.invocation.stdout,
            self.invocation.stderr,
            fmt,
            quiet=options.quiet,
            explicit=options.output is not None,
        )

    @property
    def profile(self) -> dict[str, Any] | None:
        """The profile's stored credentials (``None`` when not signed in)."""
        if not self._loaded:
            self._profile = self.store.get(self.profile_name)
            self._loaded = True
        return self._profile

    @property
    def api_url(self) -> str:
        """``--api-url``, else ``$GPUAAS_API_URL``, else the profile's setting, else the URL its credentials
        came from, else the local stage's."""
        url = (
            self.options.api_url
            or os.environ.get("GPUAAS_API_URL")
            or self.settings.get("api_url")
            or (self.profile or {}).get("api_url")
            or DEFAULT_API_URL
        )
        return str(url).rstrip("/")

    def anonymous(self) -> Client:
        return Client(self.api_url)

    def authed(self) -> Client:
        p = self.profile
        if not p or not (p.get("api_key") or p.get("access_token") or p.get("refresh_token")):
            raise GpuaasError(f"not signed in (profile {self.profile_name!r}); run `gpuaas login` first")
        if p.get("api_key"):
            return Client(self.api_url, api_key=p["api_key"])
        return Client(
            self.api_url,
            access_token=p.get("access_token"),
            refresh_token=p.get("refresh_token"),
            on_tokens=self._store_rotated,
        )

    def _store_rotated(self, tokens: Tokens) -> None:
        # The old refresh token is dead the moment the API rotates it: persist the new one at once.
        if self.profile and not self.profile.get("api_key"):
            self.store.update_tokens(self.profile_name, tokens.access_token, tokens.refresh_token)
            self._loaded = False


P = ParamSpec("P")


def with_context(f: Callable[Concatenate[Context, P], int | None]) -> Callable[P, Any]:
    """A command's body, given the :class:`Context` of this run; its return value is the exit code.

    Under :func:`~gpuaas_client.cli.app.parse_args` the body does not run: the parsed command line is
    returned instead.
    """

    @functools.wraps(f)
    def run(*args: P.args, **kwargs: P.kwargs) -> Any:
        click_ctx = click.get_current_context()
        invocation = click_ctx.find_object(Invocation) or Invocation()
        if invocation.dry_run:
            return parsed(click_ctx, invocation, dict(kwargs))
        return f(Context(invocation.options, invocation), *args, **kwargs) or 0

    return run


def parsed(click_ctx: click.Context, invocation: Invocation, params: dict[str, Any]) -> argparse.Namespace:
    """What a command line says: the command and action, the command's parameters and the global options."""
    path = click_ctx.command_path.split()[1:]
    options = invocation.options
    return argparse.Namespace(
        command=path[0] if path else None,
        action=path[1] if len(path) > 1 else None,
        api_url=options.api_url,
        profile=resolve_profile(options, CredentialStore()),
        output=options.output or "table",
        json=options.output == "json",
        quiet=options.quiet,
        options=options,
        **{name.rstrip("_"): value for name, value in params.items()},
    )
