"""Signing in and out: ``login``, ``logout``, ``whoami``."""

from __future__ import annotations

import getpass
import os

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.errors import UsageError, print_error
from gpuaas_client.sdk import ROLES, ApiError, Client, GpuaasError, Tokens


def _signed_in(ctx: Context, tokens: Tokens, how: str) -> int:
    ctx.store.put_session(ctx.profile_name, ctx.api_url, tokens.access_token, tokens.refresh_token)
    summary = {
        "profile": ctx.profile_name,
        "api_url": ctx.api_url,
        "user_id": tokens.user_id,
        "org_id": tokens.org_id,
        "auth": "session",
    }
    ctx.out.result(
        summary,
        f"Signed in ({how}) as {tokens.user_id} in {tokens.org_id}; profile {ctx.profile_name!r} at {ctx.api_url}",
    )
    return 0


@click.command("login", help="Sign in and store the credentials in the profile.")
@click.option("--dev", is_flag=True, help="The local stage's dev issuer (any user, org and role).")
@click.option("--api-key", "api_key", is_flag=True, help="An API key from $GPUAAS_API_KEY or a hidden prompt.")
@click.option("--oidc-token", metavar="TOKEN", help="Exchange an OIDC token from the configured issuer.")
@click.option("--user", help="With --dev: the user.")
@click.option("--org", help="With --dev: the org, created on demand (default: the profile's org setting).")
@click.option(
    "--role",
    type=click.Choice(["operator", *ROLES]),
    default="owner",
    show_default=True,
    help="With --dev: the role.",
)
@click.option("--org-id", help="With --oidc-token: the org to act in (default: the profile's org setting).")
@with_context
def login(
    ctx: Context,
    dev: bool,
    api_key: bool,
    oidc_token: str | None,
    user: str | None,
    org: str | None,
    role: str,
    org_id: str | None,
) -> int:
    chosen = [name for name, given in (("--dev", dev), ("--api-key", api_key), ("--oidc-token", oidc_token)) if given]
    if not chosen:
        raise UsageError("say how to sign in: one of --dev, --api-key or --oidc-token")
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} do not go together: choose one way to sign in")
    if dev:
        org = org or ctx.settings.get("org")
        if not user or not org:
            raise UsageError("login --dev needs --user and --org")
        client = ctx.anonymous()
        return _signed_in(ctx, client.dev_token(user, org, role), "dev issuer")
    if oidc_token is not None:
        client = ctx.anonymous()
        tokens = client.exchange_oidc_token(oidc_token, org_id=org_id or ctx.settings.get("org"))
        return _signed_in(ctx, tokens, "OIDC")
    # --api-key: never on the command line (shell history, ps); from the environment or a hidden prompt.
    key = (os.environ.get("GPUAAS_API_KEY") or getpass.getpass("API key: ")).strip()
    if not key:
        raise UsageError("no API key given (set GPUAAS_API_KEY or type it at the prompt)")
    me = Client(ctx.api_url, api_key=key).me()  # verify before storing
    ctx.store.put_api_key(ctx.profile_name, ctx.api_url, key)
    summary = {
        "profile": ctx.profile_name,
        "api_url": ctx.api_url,
        "user_id": me.user.id,
        "org_id": me.org.id,
        "auth": "api_key",
    }
    ctx.out.result(
        summary,
        f"Signed in with an API key as {me.user.email or me.user.id} "
        f"in {me.org.name or me.org.id} ({me.role}); profile {ctx.profile_name!r}",
    )
    return 0


@click.command("logout", help="End the session and forget the profile's credentials.")
@click.option("--everywhere", is_flag=True, help="End every session of this user.")
@with_context
def logout(ctx: Context, everywhere: bool) -> int:
    p = ctx.profile
    if not p:
        ctx.out.note(f"Not signed in (profile {ctx.profile_name!r}).")
        return 0
    failure: GpuaasError | None = None
    if p.get("api_key"):
        ctx.out.note("Forgetting the stored API key; it stays valid until revoked (gpuaas api-keys revoke KEY_ID).")
    else:
        client = ctx.authed()
        try:
            client.logout_all() if everywhere else client.logout()
        except ApiError as exc:
            if exc.status != 401:  # a 401 means the session is already over: nothing left to end
                failure = exc
        except GpuaasError as exc:
            failure = exc
    # Forget the credentials locally in any case: signing out here must always work.
    ctx.store.delete(ctx.profile_name)
    if failure is not None:
        print_error(ctx.out.err, failure)
        ctx.out.note("The local credentials were removed, but the server may not have ended the session.")
        return 1
    ctx.out.note("Signed out everywhere." if everywhere and not p.get("api_key") else "Signed out.")
    return 0


@click.command("whoami", help="The signed-in user, org and role.")
@with_context
def whoami(ctx: Context) -> int:
    me = ctx.authed().me()
    orgs = ", ".join(f"{o.name} ({o.id}, {o.role})" for o in me.orgs)
    user, org = me.user, me.org
    ctx.out.record(
        me,
        [
            ("user", f"{user.name or '-'} <{user.email or '-'}> ({user.id})"),
            ("org", f"{org.name} ({org.id})"),
            ("role", me.role),
            ("operator", "yes" if me.operator else "no"),
            ("auth", me.auth),
            ("orgs", orgs or "-"),
            ("profile", ctx.profile_name),
            ("api", ctx.api_url),
        ],
        id=user.id,
    )
    return 0


COMMANDS = [login, logout, whoami]
