"""Small helpers views share: page sizes, list replies, versions from If-Match."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import Reply, RequestContext
from chalicelib.core import errors
from chalicelib.core.settings import get_settings


def page_limit(ctx: RequestContext) -> int:
    settings = get_settings()
    asked = getattr(ctx.query, "limit", None)
    return settings.page_limit_default if asked is None else min(asked, settings.page_limit_max)


def page_cursor(ctx: RequestContext) -> str | None:
    return getattr(ctx.query, "cursor", None)


def list_reply(items: list[dict[str, Any]], next_cursor: str | None) -> Reply:
    return Reply({"items": items, "next_cursor": next_cursor})


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def if_match_version(ctx: RequestContext) -> int | None:
    """The version an If-Match header pins (``"3"`` or ``3``), or None when absent."""
    raw = ctx.header("if-match")
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or len(value) > 15:
        raise errors.ValidationFailedError('If-Match must be a version ETag such as "3"')
    return int(value)
