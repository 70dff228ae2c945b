"""Inventory routes: the public catalog and the operator's SKUs, OS images and nodes."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.inventory_bodies import node_body, node_with_slots_body, os_image_body, sku_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import etag, if_match_version, list_reply, page_cursor, page_limit
from chalicelib.inventory.commands import CreateNode, CreateOsImage, CreateSku, UpdateSku
from chalicelib.inventory.models import CatalogFilter


def register(api: Api) -> None:
    # Public catalog ---------------------------------------------------------------------

    @api.route("/v1/skus", method="GET", action="catalog:read", query=schemas.CatalogQuery)
    def list_skus(ctx: RequestContext) -> Reply:
        """List rentable SKUs, filtered, with availability from free slots."""
        q: schemas.CatalogQuery = ctx.query
        query = CatalogFilter(
            gpu_model=q.gpu_model,
            min_gpus=q.min_gpus,
            region=q.region,
            max_price_per_hour_micros=q.max_price_per_hour_micros,
            available=q.available,
        )
        page = bootstrap.inventory_service().list_catalog(query, page_limit(ctx), page_cursor(ctx))
        return list_reply([sku_body(s) for s in page.items], page.next_cursor)

    @api.route("/v1/skus/{sku_id}", method="GET", action="catalog:read")
    def get_sku(ctx: RequestContext, sku_id: str) -> Reply:
        """One SKU of the public catalog."""
        sku = bootstrap.inventory_service().get_sku(sku_id)
        return Reply(sku_body(sku), headers=etag(sku.version))

    @api.route("/v1/os-images", method="GET", action="os_images:read", query=schemas.PageQuery)
    def list_os_images(ctx: RequestContext) -> Reply:
        """OS images a customer can boot."""
        page = bootstrap.inventory_service().list_os_images(
            available_only=True, limit=page_limit(ctx), cursor=page_cursor(ctx)
        )
        return list_reply([os_image_body(i) for i in page.items], page.next_cursor)

    # Operator: SKUs ---------------------------------------------------------------------

    @api.route("/v1/admin/skus", method="GET", action="admin:skus:read", query=schemas.PageQuery)
    def admin_list_skus(ctx: RequestContext) -> Reply:
        """Every SKU, retired ones included."""
        page = bootstrap.inventory_service().list_all_skus(page_limit(ctx), page_cursor(ctx))
        return list_reply([sku_body(s) for s in page.items], page.next_cursor)

    @api.route(
        "/v1/admin/skus",
        method="POST",
        action="admin:skus:create",
        body=schemas.CreateSkuBody,
        idempotent=True,
    )
    def admin_create_sku(ctx: RequestContext) -> Reply:
        """Create a SKU."""
        b: schemas.CreateSkuBody = ctx.body
        sku = bootstrap.inventory_service().create_sku(ctx.actor, CreateSku(**b.model_dump()))
        return Reply(sku_body(sku), status=201, headers={**etag(sku.version), "Location": f"/v1/skus/{sku.id}"})

    @api.route("/v1/admin/skus/{sku_id}", method="GET", action="admin:skus:read")
    def admin_get_sku(ctx: RequestContext, sku_id: str) -> Reply:
        """One SKU, retired or not."""
        sku = bootstrap.inventory_service().get_sku(sku_id, include_retired=True)
        return Reply(sku_body(sku), headers=etag(sku.version))

    @api.route("/v1/admin/skus/{sku_id}", method="PATCH", action="admin:skus:update", body=schemas.UpdateSkuBody)
    def admin_update_sku(ctx: RequestContext, sku_id: str) -> Reply:
        """Change a SKU's price, name or shape; If-Match pins the version you read."""
        changes = UpdateSku(**ctx.body.model_dump())
        sku = bootstrap.inventory_service().update_sku(
            ctx.actor, sku_id, changes, expected_version=if_match_version(ctx)
        )
        return Reply(sku_body(sku), headers=etag(sku.version))

    @api.route("/v1/admin/skus/{sku_id}/retire", method="POST", action="admin:skus:retire")
    def admin_retire_sku(ctx: RequestContext, sku_id: str) -> Reply:
        """Take a SKU out of the catalog; running allocations are untouched."""
        sku = bootstrap.inventory_service().retire_sku(ctx.actor, sku_id, expected_version=if_match_version(ctx))
        return Reply(sku_body(sku), headers=etag(sku.version))

    # Operator: OS images -----------------------------------------------------------------

    @api.route("/v1/admin/os-images", method="GET", action="admin:os_images:read", query=schemas.PageQuery)
    def admin_list_os_images(ctx: RequestContext) -> Reply:
        """Every OS image."""
        page = bootstrap.inventory_service().list_os_images(
            available_only=False, limit=page_limit(ctx), cursor=page_cursor(ctx)
        )
        return list_reply([os_image_body(i) for i in page.items], page.next_cursor)

    @api.route(
        "/v1/admin/os-images",
        method="POST",
        action="admin:os_images:create",
        body=schemas.CreateOsImageBody,
        idempotent=True,
    )
    def admin_create_os_image(ctx: RequestContext) -> Reply:
        """Register an OS image."""
        image = bootstrap.inventory_service().create_os_image(ctx.actor, CreateOsImage(**ctx.body.model_dump()))
        return Reply(os_image_body(image), status=201)

    # Operator: nodes ----------------------------------------------------------------------

    @api.route("/v1/admin/nodes", method="GET", action="admin:nodes:read", query=schemas.PageQuery)
    def admin_list_nodes(ctx: RequestContext) -> Reply:
        """Every node of the fleet."""
        page = bootstrap.inventory_service().list_nodes(page_limit(ctx), page_cursor(ctx))
        return list_reply([node_body(n) for n in page.items], page.next_cursor)

    @api.route(
        "/v1/admin/nodes",
        method="POST",
        action="admin:nodes:create",
        body=schemas.CreateNodeBody,
        idempotent=True,
    )
    def admin_create_node(ctx: RequestContext) -> Reply:
        """Add a node and cut its GPUs into slots of its SKU."""
        node = bootstrap.inventory_service().create_node(ctx.actor, CreateNode(**ctx.body.model_dump()))
        return Reply(node_with_slots_body(node), status=201)

    @api.route("/v1/admin/nodes/{node_id}/drain", method="POST", action="admin:nodes:drain", body=schemas.DrainNodeBody)
    def admin_drain_node(ctx: RequestContext, node_id: str) -> Reply:
        """Take a node out of placement (maintenance, GPU errors); running allocations are untouched."""
        node = bootstrap.inventory_service().drain_node(ctx.actor, node_id, ctx.body.reason)
        return Reply(node_with_slots_body(node))

    @api.route("/v1/admin/nodes/{node_id}/undrain", method="POST", action="admin:nodes:undrain")
    def admin_undrain_node(ctx: RequestContext, node_id: str) -> Reply:
        """Put a drained node back into placement."""
        node = bootstrap.inventory_service().undrain_node(ctx.actor, node_id)
        return Reply(node_with_slots_body(node))

    @api.route("/v1/admin/nodes/{node_id}", method="GET", action="admin:nodes:read")
    def admin_get_node(ctx: RequestContext, node_id: str) -> Reply:
        """One node with its slots."""
        node = bootstrap.inventory_service().get_node(node_id)
        return Reply(node_with_slots_body(node))
