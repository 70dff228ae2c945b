"""``config``: profiles, each with its own API endpoint, org and output format, kept with the credentials.

A profile is picked by ``--profile``, else ``$GPUAAS_PROFILE``, else ``gpuaas config use``, else
``default``. Settings: ``api_url`` (where its API is), ``org`` (what ``login`` signs in to when no
``--org``/``--org-id`` is given), ``output`` (the default of ``--output``).
"""

from __future__ import annotations

import os
from typing import Any

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.errors import UsageError
from gpuaas_client.cli.output import FORMATS, Column
from gpuaas_client.credentials import SETTING_KEYS

CONFIG_COLUMNS: list[Column] = [
    ("", lambda p: "*" if p.get("current") else ""),
    ("PROFILE", lambda p: p.get("name")),
    ("API URL", lambda p: p.get("api_url")),
    ("ORG", lambda p: p.get("org")),
    ("OUTPUT", lambda p: p.get("output")),
    ("SIGNED IN", lambda p: p.get("auth")),
]


def _auth(credentials: dict[str, Any] | None) -> str | None:
    if not credentials:
        return None
    return "api_key" if credentials.get("api_key") else "session"


def _summary(ctx: Context, name: str) -> dict[str, Any]:
    """A profile as ``config`` shows it: its settings and how it is signed in; never a secret."""
    settings = ctx.store.settings(name)
    credentials = ctx.store.get(name)
    return {
        "name": name,
        "current": name == ctx.profile_name,
        "api_url": settings.get("api_url") or (credentials or {}).get("api_url"),
        "org": settings.get("org"),
        "output": settings.get("output"),
        "auth": _auth(credentials),
    }


def _check(key: str, value: str) -> str:
    if key == "output" and value not in FORMATS:
        raise UsageError(f"output must be one of {', '.join(FORMATS)}: {value!r}")
    if key == "api_url":
        if not value.startswith(("http://", "https://")):
            raise UsageError(f"api_url must start with http:// or https://: {value!r}")
        return value.rstrip("/")
    if not value.strip():
        raise UsageError(f"{key} must not be empty")
    return value


@click.group("config", help="Profiles: several API endpoints or orgs, each with its own sign-in.")
def config() -> None:
    pass


@config.command("list", help="Every profile; * marks the one in use.")
@with_context
def list_profiles(ctx: Context) -> int:
    names = sorted({*ctx.store.profile_names(), ctx.profile_name})
    ctx.out.table([_summary(ctx, n) for n in names], CONFIG_COLUMNS, id_key="name")
    return 0


@config.command("show", help="The profile in use (or --profile): its settings and the API URL it resolves to.")
@with_context
def show(ctx: Context) -> int:
    summary = _summary(ctx, ctx.profile_name)
    summary["effective_api_url"] = ctx.api_url
    summary["credentials_file"] = str(ctx.store.path)
    source = (
        "--profile"
        if ctx.options.profile
        else "$GPUAAS_PROFILE"
        if os.environ.get("GPUAAS_PROFILE")
        else "gpuaas config use"
        if ctx.store.current_profile()
        else "the default"
    )
    ctx.out.record(
        summary,
        [
            ("profile", f"{ctx.profile_name} (from {source})"),
            ("api url", ctx.api_url),
            ("org", summary["org"]),
            ("output", summary["output"] or "table (default)"),
            ("signed in", summary["auth"] or "no"),
            ("file", summary["credentials_file"]),
        ],
        id=ctx.profile_name,
    )
    return 0


@config.command("use", help="Use PROFILE from now on when neither --profile nor $GPUAAS_PROFILE says otherwise.")
@click.argument("name", metavar="PROFILE")
@with_context
def use(ctx: Context, name: str) -> int:
    profile = name
    ctx.store.use(profile)
    known = profile in ctx.store.profile_names()
    ctx.out.result({"current_profile": profile}, f"Using profile {profile!r}.", id=profile)
    if not ctx.store.get(profile):
        ctx.out.note(f"It is not signed in{'' if known else ' yet'}: gpuaas login ...")
    return 0


@config.command("set", help=f"Set a setting of the profile: {', '.join(SETTING_KEYS)}.")
@click.argument("key", type=click.Choice(SETTING_KEYS))
@click.argument("value")
@with_context
def set_(ctx: Context, key: str, value: str) -> int:
    value = _check(key, value)
    ctx.store.set_setting(ctx.profile_name, key, value)
    ctx.out.result({"profile": ctx.profile_name, key: value}, f"Set {key} = {value} for profile {ctx.profile_name!r}.")
    return 0


@config.command("unset", help="Forget a setting of the profile.")
@click.argument("key", type=click.Choice(SETTING_KEYS))
@with_context
def unset(ctx: Context, key: str) -> int:
    was_set = ctx.store.unset_setting(ctx.profile_name, key)
    ctx.out.result(
        {"profile": ctx.profile_name, "unset": key},
        f"Unset {key} for profile {ctx.profile_name!r}." if was_set else f"{key} was not set.",
    )
    return 0


COMMANDS = [config]
