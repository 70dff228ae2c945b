"""SSH keys: the public keys released to the slots a user rents."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.ssh_key_bodies import ssh_key_body
from chalicelib.api.views import list_reply, page_cursor, page_limit


def register(api: Api) -> None:
    @api.route("/v1/ssh-keys", method="GET", action="ssh_keys:read", query=schemas.PageQuery)
    def list_ssh_keys(ctx: RequestContext) -> Reply:
        """Your SSH public keys."""
        page = bootstrap.ssh_key_service().list(ctx.me.user_id, page_limit(ctx), page_cursor(ctx))
        return list_reply([ssh_key_body(k) for k in page.items], page.next_cursor)

    @api.route("/v1/ssh-keys", method="POST", action="ssh_keys:write", body=schemas.AddSshKeyBody, idempotent=True)
    def add_ssh_key(ctx: RequestContext) -> Reply:
        """Add an OpenSSH public key (ed25519, ECDSA, or RSA of at least the configured size)."""
        key = bootstrap.ssh_key_service().add(ctx.actor, ctx.body.name, ctx.body.public_key)
        return Reply(ssh_key_body(key), status=201)

    @api.route("/v1/ssh-keys/{key_id}", method="DELETE", action="ssh_keys:write")
    def delete_ssh_key(ctx: RequestContext, key_id: str) -> Reply:
        """Delete one of your SSH keys (running allocations keep the keys they were started with)."""
        bootstrap.ssh_key_service().delete(ctx.actor, key_id)
        return Reply(None, status=204)
