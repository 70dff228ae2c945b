"""Logs: agents ship their workloads' output and their own log; members read an allocation's,
operators a node agent's."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.log_bodies import log_batch_ack_body, log_page_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import page_cursor, page_limit
from chalicelib.logs.models import IncomingLine, LogQuery


def _query(ctx: RequestContext) -> LogQuery:
    q: schemas.LogQueryParams = ctx.query
    return LogQuery(limit=page_limit(ctx), cursor=page_cursor(ctx), since=q.since, follow=bool(q.follow))


def register(api: Api) -> None:
    @api.route("/v1/agent/logs", method="POST", action="agent:logs", body=schemas.AgentLogsBody)
    def agent_ship_logs(ctx: RequestContext) -> Reply:
        """A batch of lines: the output of this node's allocations' workloads and the agent's own log."""
        body: schemas.AgentLogsBody = ctx.body
        lines = [IncomingLine(line.stream, line.time_ms, line.message) for line in body.lines]
        return Reply(log_batch_ack_body(bootstrap.log_service().ingest(ctx.me.user_id, lines)))

    @api.route("/v1/allocations/{allocation_id}/logs", method="GET", action="logs:read", query=schemas.LogQueryParams)
    def list_allocation_logs(ctx: RequestContext, allocation_id: str) -> Reply:
        """The allocation's workload output, oldest first (``follow=true`` waits for new lines)."""
        page = bootstrap.log_service().allocation_logs(ctx.me.org_id, allocation_id, _query(ctx))
        return Reply(log_page_body(page))

    @api.route(
        "/v1/admin/nodes/{node_id}/logs", method="GET", action="admin:node_logs:read", query=schemas.LogQueryParams
    )
    def admin_list_node_logs(ctx: RequestContext, node_id: str) -> Reply:
        """A node agent's own log, oldest first (``follow=true`` waits for new lines)."""
        return Reply(log_page_body(bootstrap.log_service().node_logs(node_id, _query(ctx))))
