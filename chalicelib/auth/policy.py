"""Authorization in one place: may this principal perform this action?

Every route declares its action (``<resource>:<verb>``, ``admin:`` for the operator's API); the
table below says which org roles may perform it. Resource scope is the principal's org: services
read org-owned resources only through the org's own keys, so another org's resource is "not
found" (404), never "forbidden" (which would confirm that it exists).
"""

from __future__ import annotations

from chalicelib.auth.principal import API_KEY, NODE, Principal
from chalicelib.core import errors
from chalicelib.identity.models import ADMIN, BILLING, MEMBER, OWNER, VIEWER

EVERYONE = frozenset({OWNER, ADMIN, MEMBER, BILLING, VIEWER})
MANAGERS = frozenset({OWNER, ADMIN})
BUILDERS = frozenset({OWNER, ADMIN, MEMBER})
# Who sees and handles the org's money.
MONEY = frozenset({OWNER, ADMIN, BILLING})

# Actions anyone may perform without credentials.
PUBLIC_ACTIONS = frozenset(
    {
        "health:read",
        "catalog:read",
        "os_images:read",
        "auth:token",
        "auth:keys",
        "dev:issuer",
        "dev:token",
        # The bootstrap token in the body is the credential; it is checked by the fleet service.
        "agent:register",
        # The Stripe-Signature header is the credential; the payments service verifies it.
        "webhooks:stripe",
        # Local stage only: pay a checkout as the customer would.
        "dev:stripe",
        # The signed token in the link is the credential; the notifications service verifies it.
        "notifications:unsubscribe",
    }
)

# What a node's agent may do with its node token, and nothing else.
AGENT_ACTIONS = frozenset({"agent:credentials", "agent:heartbeat", "agent:results", "agent:logs"})

# Org actions and the roles that may perform them.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "me:read": EVERYONE,
    "auth:logout": EVERYONE,
    "members:read": EVERYONE,
    "members:write": MANAGERS,
    "api_keys:read": BUILDERS,
    "api_keys:write": BUILDERS,
    "audit:read": MANAGERS,
    "ssh_keys:read": EVERYONE,
    "ssh_keys:write": BUILDERS,
    "allocations:read": EVERYONE,
    "allocations:write": BUILDERS,
    "allocations:release": BUILDERS,
    # What an allocation's workloads printed (its startup script first): every member of the org.
    "logs:read": EVERYONE,
    # The org's public events (GET /v1/events): whatever a webhook of the org would be sent.
    "events:read": EVERYONE,
    # A shell on (or an SSH stream to) an allocation: whoever may create allocations.
    "terminal:open": BUILDERS,
    "billing:read": MONEY,
    "billing:checkout": MONEY,
    "billing:spend_cap": frozenset({OWNER}),
    # One's own in-app feed, its read marks and one's email preferences: every member.
    "notifications:read": EVERYONE,
    "notifications:write": EVERYONE,
    # Customer webhooks: owners and admins manage endpoints (and resend deliveries); everyone in
    # the org reads them and their delivery log (never a secret).
    "webhooks:read": EVERYONE,
    "webhooks:write": MANAGERS,
}

# Actions an API key can never perform, whatever its scopes: credentials and membership are
# managed by a person in a session, so a leaked key cannot mint more keys or add members.
SESSION_ONLY = frozenset({"api_keys:write", "members:write", "auth:logout", "billing:spend_cap"})

# Routes that stop spending must never be refused for being too frequent: a customer who tries
# to release a machine must not be kept paying for it by a rate limit.
# Nor must the payment provider's events (money already paid) be turned away by a budget: they
# are verified before anything is read or written, so a forger gains nothing from the exemption.
NEVER_RATE_LIMITED: frozenset[str] = frozenset({"allocations:release", "allocations:terminate", "webhooks:stripe"})


def is_known(action: str) -> bool:
    return action in PUBLIC_ACTIONS or action in ROLE_ACTIONS or action in AGENT_ACTIONS or action.startswith("admin:")


def requires_principal(action: str) -> bool:
    return action not in PUBLIC_ACTIONS


def is_read(action: str) -> bool:
    return action.endswith(":read")


def rate_class(action: str, principal: Principal | None) -> str | None:
    """The budget a request spends, or None when it is never limited."""
    if action in NEVER_RATE_LIMITED:
        return None
    if action in ("auth:token", "dev:token", "agent:register"):
        return "auth"
    if action == "agent:logs":
        # A budget of its own: a chatty workload's output must not starve the node's heartbeats and results.
        return "agent_logs"
    if principal is None:
        return "public"
    return "read" if is_read(action) else "write"


def authorize(principal: Principal | None, action: str) -> None:
    if not is_known(action):
        # A route whose action is not in the policy is refused, never allowed by default.
        raise errors.ForbiddenError(f"No policy covers {action}")
    if action in PUBLIC_ACTIONS:
        return
    if principal is None:
        raise errors.UnauthenticatedError()
    # A node token opens the agent routes only, and the agent routes take nothing else.
    if (principal.via == NODE) != (action in AGENT_ACTIONS):
        raise errors.ForbiddenError("Agent routes take a node token, and a node token takes only agent routes")
    if principal.via == NODE:
        return
    if principal.via == API_KEY:
        _check_scopes(principal, action)
    if action.startswith("admin:"):
        if not principal.operator:
            raise errors.ForbiddenError("This action needs the platform operator role")
        return
    if principal.role not in ROLE_ACTIONS[action]:
        raise errors.ForbiddenError(f"The {principal.role} role may not perform {action}")


def _check_scopes(principal: Principal, action: str) -> None:
    if action in SESSION_ONLY:
        raise errors.ForbiddenError(f"{action} needs a signed-in user, not an API key")
    scopes = set(principal.scopes)
    if "write" in scopes or action in scopes or ("read" in scopes and is_read(action)):
        return
    raise errors.ForbiddenError(f"This API key's scopes do not include {action}")


def valid_scope(scope: str) -> bool:
    return scope in ("read", "write") or (scope in ROLE_ACTIONS and scope not in SESSION_ONLY)
