"""``ssh-keys``: your SSH public keys, installed on the slots you rent."""

from __future__ import annotations

import os

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.errors import UsageError
from gpuaas_client.cli.output import Column

SSH_KEY_COLUMNS: list[Column] = [
    ("ID", lambda k: k.id),
    ("NAME", lambda k: k.name),
    ("TYPE", lambda k: k.type_),
    ("FINGERPRINT", lambda k: k.fingerprint),
    ("COMMENT", lambda k: k.comment),
    ("ADDED", lambda k: k.created_at),
]


@click.group("ssh-keys", help="Your SSH public keys.")
def ssh_keys() -> None:
    pass


@ssh_keys.command("list", help="List your keys.")
@with_context
def list_keys(ctx: Context) -> int:
    ctx.out.table(list(ctx.authed().ssh_keys()), SSH_KEY_COLUMNS)
    return 0


@ssh_keys.command("add", help="Add a public key from a file.")
@click.argument("name")
@click.argument("public_key_file", metavar="FILE", required=False, default="~/.ssh/id_ed25519.pub")
@with_context
def add_key(ctx: Context, name: str, public_key_file: str) -> int:
    try:
        with open(os.path.expanduser(public_key_file), encoding="utf-8") as handle:
            public_key = handle.read().strip()
    except OSError as exc:
        raise UsageError(f"cannot read {public_key_file}: {exc.strerror}") from exc
    key = ctx.authed().add_ssh_key(name, public_key)
    if ctx.out.quiet:
        ctx.out.ids([key.id])
    elif ctx.out.machine:
        ctx.out.data(key)
    else:
        ctx.out.rows([key], SSH_KEY_COLUMNS)
    return 0


@ssh_keys.command("delete", help="Delete a key.")
@click.argument("key_id")
@with_context
def delete_key(ctx: Context, key_id: str) -> int:
    ctx.authed().delete_ssh_key(key_id)
    if ctx.out.human:
        ctx.out.line(f"Deleted SSH key {key_id}.")
    return 0


COMMANDS = [ssh_keys]
