"""The terminal gateway's one REST route: a one-time ticket to connect to an allocation's terminal."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.terminal_bodies import terminal_ticket_body
from chalicelib.terminal.models import TerminalRequest


def register(api: Api) -> None:
    # Not idempotent on purpose: the ticket's secret exists only in this response.
    @api.route(
        "/v1/allocations/{allocation_id}/terminal",
        method="POST",
        action="terminal:open",
        body=schemas.OpenTerminalBody,
    )
    def open_terminal(ctx: RequestContext, allocation_id: str) -> Reply:
        """A one-time ticket (valid for a minute) to connect to the allocation's terminal gateway."""
        body: schemas.OpenTerminalBody = ctx.body
        me = ctx.me
        request = TerminalRequest(
            org_id=me.org_id,
            user_id=me.user_id,
            role=me.role,
            allocation_id=allocation_id,
            via=me.via,
            api_key_id=me.api_key_id,
            kind=body.kind,
            cols=body.cols,
            rows=body.rows,
            session_id=body.session_id,
        )
        issued = bootstrap.terminal_service().open(request)
        return Reply(terminal_ticket_body(issued), status=201, headers={"Cache-Control": "no-store"})
