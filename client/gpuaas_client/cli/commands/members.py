"""``members``: the org's members and their roles."""

from __future__ import annotations

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.output import Column
from gpuaas_client.sdk import ROLES, Member

MEMBER_COLUMNS: list[Column] = [
    ("USER ID", lambda m: m.user_id),
    ("EMAIL", lambda m: m.email),
    ("NAME", lambda m: m.name),
    ("ROLE", lambda m: m.role),
    ("JOINED", lambda m: m.joined_at),
]


@click.group("members", help="The org's members and roles.")
def members() -> None:
    pass


@members.command("list", help="List the members.")
@with_context
def list_members(ctx: Context) -> int:
    ctx.out.table(list(ctx.authed().members()), MEMBER_COLUMNS, id_key="user_id")
    return 0


@members.command("add", help="Add a user who has signed in once.")
@click.argument("user_id")
@click.option("--role", required=True, type=click.Choice(ROLES))
@with_context
def add_member(ctx: Context, user_id: str, role: str) -> int:
    member = ctx.authed().add_member(user_id, role)
    _show(ctx, member)
    return 0


@members.command("set-role", help="Change a member's role.")
@click.argument("user_id")
@click.argument("role", type=click.Choice(ROLES))
@with_context
def set_role(ctx: Context, user_id: str, role: str) -> int:
    _show(ctx, ctx.authed().set_member_role(user_id, role))
    return 0


@members.command("remove", help="Remove a member.")
@click.argument("user_id")
@with_context
def remove_member(ctx: Context, user_id: str) -> int:
    ctx.authed().remove_member(user_id)
    if ctx.out.human:
        ctx.out.line(f"Removed {user_id}.")
    return 0


def _show(ctx: Context, member: Member) -> None:
    if ctx.out.quiet:
        ctx.out.ids([member.user_id])
    elif ctx.out.machine:
        ctx.out.data(member)
    else:
        ctx.out.rows([member], MEMBER_COLUMNS)


COMMANDS = [members]
