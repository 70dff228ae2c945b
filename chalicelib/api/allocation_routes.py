"""Allocations: customers rent GPU slots and give them back; agents report what their commands did."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.allocation_bodies import allocation_body, connection_body, result_receipt_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import list_reply, page_cursor, page_limit
from chalicelib.provisioning.models import AllocationRequest


def register(api: Api) -> None:
    @api.route(
        "/v1/allocations",
        method="POST",
        action="allocations:write",
        body=schemas.CreateAllocationBody,
        idempotency_key_required=True,
    )
    def create_allocation(ctx: RequestContext) -> Reply:
        """Rent ``count`` slots of a SKU on one node; provisioning continues after the 202."""
        body: schemas.CreateAllocationBody = ctx.body
        request = AllocationRequest(
            org_id=ctx.me.org_id,
            user_id=ctx.me.user_id,
            sku_id=body.sku_id,
            count=body.count,
            os_image_id=body.os_image_id,
            ssh_key_ids=tuple(body.ssh_key_ids) if body.ssh_key_ids is not None else None,
            name=body.name,
            startup_script=body.startup_script,
        )
        allocation = bootstrap.provisioning_service().create(request)
        return Reply(allocation_body(allocation), status=202, headers={"Location": f"/v1/allocations/{allocation.id}"})

    @api.route("/v1/allocations", method="GET", action="allocations:read", query=schemas.AllocationListQuery)
    def list_allocations(ctx: RequestContext) -> Reply:
        """Your org's allocations, newest first (``state`` filters)."""
        page = bootstrap.provisioning_service().list(ctx.me.org_id, ctx.query.state, page_limit(ctx), page_cursor(ctx))
        return list_reply([allocation_body(a) for a in page.items], page.next_cursor)

    @api.route("/v1/allocations/{allocation_id}", method="GET", action="allocations:read")
    def get_allocation(ctx: RequestContext, allocation_id: str) -> Reply:
        """One allocation: its state, the actions it allows and, once active, how to connect."""
        return Reply(allocation_body(bootstrap.provisioning_service().get(ctx.me.org_id, allocation_id)))

    @api.route("/v1/allocations/{allocation_id}/ssh", method="GET", action="allocations:read")
    def get_allocation_ssh(ctx: RequestContext, allocation_id: str) -> Reply:
        """How to ssh into an active allocation: host, port, user, the host key's known_hosts line."""
        return Reply(connection_body(bootstrap.provisioning_service().ssh_connection(ctx.me.org_id, allocation_id)))

    @api.route(
        "/v1/allocations/{allocation_id}/ssh-keys", method="PUT", action="allocations:write", body=schemas.SshKeysBody
    )
    def set_allocation_ssh_keys(ctx: RequestContext, allocation_id: str) -> Reply:
        """Replace an active allocation's SSH keys; the host has them within seconds."""
        body: schemas.SshKeysBody = ctx.body
        allocation = bootstrap.provisioning_service().set_ssh_keys(
            ctx.actor, ctx.me.org_id, allocation_id, tuple(body.ssh_key_ids)
        )
        return Reply(allocation_body(allocation))

    @api.route("/v1/allocations/{allocation_id}/release", method="POST", action="allocations:release", idempotent=True)
    def release_allocation(ctx: RequestContext, allocation_id: str) -> Reply:
        """Give the slots back: the workload is removed and the host wiped; billing stops now."""
        released = bootstrap.provisioning_service().release(ctx.me.org_id, allocation_id)
        return Reply(allocation_body(released), status=202)

    @api.route(
        "/v1/allocations/{allocation_id}/events", method="GET", action="allocations:read", query=schemas.PageQuery
    )
    def list_allocation_events(ctx: RequestContext, allocation_id: str) -> Reply:
        """The allocation's history, oldest first (CloudEvents, as on the event bus)."""
        page = bootstrap.provisioning_service().events(ctx.me.org_id, allocation_id, page_limit(ctx), page_cursor(ctx))
        return list_reply(page.items, page.next_cursor)

    @api.route(
        "/v1/agent/commands/{command_id}/result", method="POST", action="agent:results", body=schemas.CommandResultBody
    )
    def agent_report_result(ctx: RequestContext, command_id: str) -> Reply:
        """The agent's result for one of its node's commands; resumes the workflow waiting for it."""
        receipt = bootstrap.provisioning_service().report_result(
            ctx.me.user_id, command_id, ctx.body.model_dump(mode="json")
        )
        return Reply(result_receipt_body(receipt))
