"""Fleet routes: bootstrap tokens for operators, and the node agent's registration, queue
credentials and heartbeats (agents only ever call out; nothing here calls a host)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.fleet_bodies import (
    heartbeat_ack_body,
    new_bootstrap_token_body,
    queue_access_body,
    registered_node_body,
)
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.core import errors
from chalicelib.core.settings import get_settings
from chalicelib.fleet.models import AgentRegistration, HeartbeatReport


def register(api: Api) -> None:
    # Not idempotent on purpose: the token's secret exists only in this response.
    @api.route(
        "/v1/admin/bootstrap-tokens",
        method="POST",
        action="admin:bootstrap_tokens:create",
        body=schemas.BootstrapTokenBody,
    )
    def admin_create_bootstrap_token(ctx: RequestContext) -> Reply:
        """Issue a single-use, expiring token with which one host joins the fleet as a node of a SKU."""
        body: schemas.BootstrapTokenBody = ctx.body
        ttl = body.ttl_seconds or get_settings().bootstrap_token_default_ttl_seconds
        issued = bootstrap.fleet_service().issue_bootstrap_token(ctx.actor, body.sku_id, ttl)
        return Reply(new_bootstrap_token_body(issued), status=201, headers={"Cache-Control": "no-store"})

    @api.route("/v1/agent/register", method="POST", action="agent:register", body=schemas.RegisterAgentBody)
    def agent_register(ctx: RequestContext) -> Reply:
        """A host's agent joins once with its bootstrap token; it gets a node token and its queue."""
        b: schemas.RegisterAgentBody = ctx.body
        registration = AgentRegistration(
            hostname=b.hostname,
            agent_version=b.agent_version,
            protocol_versions=tuple(b.protocol_versions),
            executors=tuple(b.executors),
            gpus=tuple(g.model_dump() for g in b.gpus),
        )
        node = bootstrap.fleet_service().register(b.bootstrap_token, registration)
        return Reply(registered_node_body(node), status=201, headers={"Cache-Control": "no-store"})

    @api.route("/v1/agent/credentials", method="POST", action="agent:credentials")
    def agent_credentials(ctx: RequestContext) -> Reply:
        """Temporary credentials that can read this node's command queue and nothing else."""
        access = bootstrap.fleet_service().queue_credentials(ctx.me.user_id)
        return Reply(queue_access_body(access), headers={"Cache-Control": "no-store"})

    @api.route("/v1/agent/heartbeat", method="POST", action="agent:heartbeat", body=schemas.HeartbeatBody)
    def agent_heartbeat(ctx: RequestContext) -> Reply:
        """The agent is alive; here is what its GPUs look like."""
        body: schemas.HeartbeatBody = ctx.body
        if body.node_id != ctx.me.user_id:
            raise errors.ForbiddenError("A node reports only for itself")
        report = HeartbeatReport(
            sent_at=body.sent_at,
            agent_version=body.agent_version,
            nvml=body.nvml.model_dump(mode="json"),
            gpus=tuple(g.model_dump(mode="json") for g in body.gpus),
            running_commands=tuple(body.running_commands),
        )
        return Reply(heartbeat_ack_body(bootstrap.fleet_service().heartbeat(ctx.me.user_id, report)))
