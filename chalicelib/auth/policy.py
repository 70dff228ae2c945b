"""Authorization in one place: may this principal perform this action?

Every route declares its action (``<resource>:<verb>``; ``admin:`` for the operator's API).
The identity issue grows this into role x action x scope; the shape of the call stays.
"""

from __future__ import annotations

from chalicelib.auth.principal import Principal
from chalicelib.core import errors

# Actions anyone may perform without a token.
PUBLIC_ACTIONS = frozenset(
    {
        "health:read",
        "catalog:read",
        "os_images:read",
        "dev:issuer",
        "dev:token",
    }
)


def requires_principal(action: str) -> bool:
    return action not in PUBLIC_ACTIONS


def authorize(principal: Principal | None, action: str) -> None:
    if action in PUBLIC_ACTIONS:
        return
    if principal is None:
        raise errors.Unauthenticated()
    if action.startswith("admin:") and not principal.is_operator:
        raise errors.Forbidden("This action needs the operator role")
