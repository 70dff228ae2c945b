from __future__ import annotations

import pytest

from chalicelib.auth import policy
from chalicelib.auth.principal import API_KEY, Principal
from chalicelib.core import errors

pytestmark = pytest.mark.unit


def principal(role: str = "member", *, operator: bool = False, scopes: tuple[str, ...] = (), key: bool = False):
    return Principal(
        user_id="usr_x",
        org_id="org_x",
        role=role,
        operator=operator,
        via=API_KEY if key else "session",
        api_key_id="key_x" if key else None,
        scopes=scopes,
    )


def test_every_route_declares_an_action_the_policy_covers():
    from app import api

    assert api.routes
    for spec in api.routes:
        assert spec.action, f"{spec.method} {spec.path} declares no action"
        assert policy.is_known(spec.action), f"{spec.method} {spec.path}: no policy for {spec.action}"


def test_an_unknown_action_is_refused_even_for_an_operator():
    with pytest.raises(errors.ForbiddenError):
        policy.authorize(principal("owner", operator=True), "ghost:write")


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("viewer", "members:read", True),
        ("viewer", "members:write", False),
        ("viewer", "api_keys:write", False),
        ("billing", "api_keys:read", False),
        ("member", "api_keys:write", True),
        ("member", "audit:read", False),
        ("admin", "members:write", True),
        ("owner", "audit:read", True),
        ("owner", "admin:skus:create", False),
        ("member", "terminal:open", True),
        ("viewer", "terminal:open", False),
        ("billing", "terminal:open", False),
    ],
)
def test_role_matrix(role, action, allowed):
    if allowed:
        policy.authorize(principal(role), action)
    else:
        with pytest.raises(errors.ForbiddenError):
            policy.authorize(principal(role), action)


def test_operators_reach_admin_routes_and_anonymous_callers_only_public_ones():
    policy.authorize(principal("viewer", operator=True), "admin:skus:create")
    policy.authorize(None, "catalog:read")
    with pytest.raises(errors.UnauthenticatedError):
        policy.authorize(None, "members:read")


def test_api_key_scopes():
    read_key = principal("owner", scopes=("read",), key=True)
    policy.authorize(read_key, "members:read")
    with pytest.raises(errors.ForbiddenError):
        policy.authorize(read_key, "api_keys:write")
    listed = principal("owner", scopes=("members:read",), key=True)
    policy.authorize(listed, "members:read")
    with pytest.raises(errors.ForbiddenError):
        policy.authorize(listed, "api_keys:read")
    # Whatever the scopes, a key never manages credentials or membership.
    for action in policy.SESSION_ONLY:
        with pytest.raises(errors.ForbiddenError):
            policy.authorize(principal("owner", scopes=("write",), key=True), action)
    assert policy.valid_scope("read") and policy.valid_scope("members:read")
    assert not policy.valid_scope("members:write") and not policy.valid_scope("admin:skus:create")


def test_release_is_never_rate_limited():
    assert policy.rate_class("allocations:release", principal()) is None
    assert policy.rate_class("members:read", principal()) == "read"
    assert policy.rate_class("members:write", principal()) == "write"
    assert policy.rate_class("catalog:read", None) == "public"
    assert policy.rate_class("auth:token", None) == "auth"
