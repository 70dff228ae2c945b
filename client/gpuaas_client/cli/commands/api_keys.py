"""``api-keys``: the org's API keys."""

from __future__ import annotations

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.output import Column
from gpuaas_client.cli.params import POSITIVE_INT, none_if_empty

API_KEY_COLUMNS: list[Column] = [
    ("ID", lambda k: k.id),
    ("NAME", lambda k: k.name),
    ("PREFIX", lambda k: k.prefix),
    ("SCOPES", lambda k: ",".join(k.scopes)),
    ("ROLE", lambda k: k.role),
    ("CREATED", lambda k: k.created_at),
    ("EXPIRES", lambda k: k.expires_at),
    ("LAST USED", lambda k: k.last_used_at),
    ("REVOKED", lambda k: k.revoked_at),
]


@click.group("api-keys", help="The org's API keys.")
def api_keys() -> None:
    pass


@api_keys.command("list", help="List the keys.")
@with_context
def list_keys(ctx: Context) -> int:
    ctx.out.table(list(ctx.authed().api_keys()), API_KEY_COLUMNS)
    return 0


@api_keys.command("create", help="Create a key; its secret shows once. --quiet prints the secret alone.")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="SCOPE",
    callback=none_if_empty,
    help="read, write or an action such as members:read; repeat for more (default: read).",
)
@click.option("--expires-in-days", type=POSITIVE_INT, metavar="N")
@with_context
def create_key(ctx: Context, name: str, scopes: list[str] | None, expires_in_days: int | None) -> int:
    key = ctx.authed().create_api_key(name, scopes or ["read"], expires_in_days)
    if ctx.out.quiet:
        # The one value a script needs, and the only time it is ever shown.
        ctx.out.ids([key.secret])
    elif ctx.out.machine:
        ctx.out.data(key)
    else:
        ctx.out.rows([key], API_KEY_COLUMNS[:6])
        ctx.out.line()
        ctx.out.line(f"secret: {key.secret}")
    ctx.out.warn("Warning: store this secret now; it will not be shown again.")
    return 0


@api_keys.command("revoke", help="Revoke a key; it stops working at once.")
@click.argument("key_id")
@with_context
def revoke_key(ctx: Context, key_id: str) -> int:
    key = ctx.authed().revoke_api_key(key_id)
    ctx.out.result(key, f"Revoked API key {key.id} ({key.name}).", id=key.id)
    return 0


COMMANDS = [api_keys]
