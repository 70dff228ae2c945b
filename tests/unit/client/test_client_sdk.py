"""The client SDK against mocked HTTP: error mapping, refresh-once, pagination, idempotency keys."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
import responses
from gpuaas_client import ApiError, Client, GpuaasError, Tokens, TransportError
from responses import matchers

from tests.unit.client.api_samples import api_object
from tests.unit.client.conftest import BASE

pytestmark = pytest.mark.unit

CLIENT_SRC = Path(__file__).resolve().parents[3] / "client" / "gpuaas_client"


def envelope(code: str, message: str = "nope", request_id: str = "req-1", **extra) -> dict:
    return {"error": {"code": code, "message": message, "request_id": request_id, **extra}}


def tokens(n: int) -> dict:
    return {
        "access_token": f"access-{n}",
        "refresh_token": f"refresh-{n}",
        "token_type": "Bearer",
        "expires_in": 900,
        "user_id": "usr_1",
        "org_id": "org_1",
    }


ME = api_object(
    "Me", user={"id": "usr_1", "email": "a@x", "name": "A"}, org={"id": "org_1", "name": "acme"}, role="owner"
)


# Errors -------------------------------------------------------------------------------------


def test_an_error_envelope_becomes_api_error(http):
    details = [{"field": "role", "problem": "String should match pattern"}]
    http.get(
        f"{BASE}/v1/members",
        status=400,
        json=envelope("VALIDATION_ERROR", "Bad role", "req-42", details=details),
        headers={"X-Request-Id": "req-42"},
    )
    with pytest.raises(ApiError) as caught:
        list(Client(BASE, api_key="gpk_x").members())
    err = caught.value
    assert (err.status, err.code, err.message, err.request_id) == (400, "VALIDATION_ERROR", "Bad role", "req-42")
    assert err.details == details and err.retry_after is None


def test_a_response_that_is_not_the_envelope_still_raises_api_error(http):
    http.get(f"{BASE}/v1/me", status=502, body="<html>Bad Gateway</html>", headers={"X-Request-Id": "gw-1"})
    with pytest.raises(ApiError) as caught:
        Client(BASE, api_key="gpk_x").me()
    assert caught.value.status == 502 and caught.value.code == "HTTP_502" and caught.value.request_id == "gw-1"


def test_429_is_not_retried_and_carries_retry_after(http):
    http.get(f"{BASE}/v1/me", status=429, json=envelope("RATE_LIMITED"), headers={"Retry-After": "7"})
    with pytest.raises(ApiError) as caught:
        Client(BASE, api_key="gpk_x").me()
    assert caught.value.code == "RATE_LIMITED" and caught.value.retry_after == 7
    assert len(http.calls) == 1


def test_retry_after_as_an_http_date(http):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    http.get(f"{BASE}/v1/me", status=429, json=envelope("RATE_LIMITED"), headers={"Retry-After": when})
    with pytest.raises(ApiError) as caught:
        Client(BASE, api_key="gpk_x").me()
    assert 25 <= caught.value.retry_after <= 31


def test_an_unreachable_api_is_a_transport_error():
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/v1/health", body=requests.ConnectionError("refused"))
        with pytest.raises(TransportError):
            Client(BASE).health()


# Auth and refresh ---------------------------------------------------------------------------


def test_sends_the_access_token_or_the_api_key_as_bearer(http):
    http.get(f"{BASE}/v1/me", json=ME, match=[matchers.header_matcher({"Authorization": "Bearer access-0"})])
    http.get(
        f"{BASE}/v1/api-keys",
        json={"items": [], "next_cursor": None},
        match=[matchers.header_matcher({"Authorization": "Bearer gpk_secret"})],
    )
    assert Client(BASE, access_token="access-0").me().to_dict() == ME
    assert list(Client(BASE, api_key="gpk_secret").api_keys()) == []


def test_an_expired_token_is_refreshed_once_the_rotation_persisted_and_the_request_retried(http):
    http.get(
        f"{BASE}/v1/me",
        status=401,
        json=envelope("INVALID_TOKEN"),
        match=[matchers.header_matcher({"Authorization": "Bearer access-0"})],
    )
    refresh = http.post(
        f"{BASE}/v1/auth/token",
        json=tokens(1),
        match=[matchers.json_params_matcher({"grant_type": "refresh_token", "refresh_token": "refresh-0"})],
    )
    retried = http.get(f"{BASE}/v1/me", json=ME, match=[matchers.header_matcher({"Authorization": "Bearer access-1"})])
    seen: list[Tokens] = []
    client = Client(BASE, access_token="access-0", refresh_token="refresh-0", on_tokens=seen.append)

    assert client.me().to_dict() == ME
    assert refresh.call_count == 1 and retried.call_count == 1
    assert [t.to_dict() for t in seen] == [tokens(1)]
    assert (client.access_token, client.refresh_token) == ("access-1", "refresh-1")
    assert "Authorization" not in http.calls[1].request.headers  # the refresh itself is not bearer-authenticated


def test_a_token_refused_again_after_refreshing_is_not_refreshed_again(http):
    me = http.get(f"{BASE}/v1/me", status=401, json=envelope("INVALID_TOKEN"))
    refresh = http.post(f"{BASE}/v1/auth/token", json=tokens(1))
    client = Client(BASE, access_token="access-0", refresh_token="refresh-0")
    with pytest.raises(ApiError) as caught:
        client.me()
    assert caught.value.code == "INVALID_TOKEN"
    assert me.call_count == 2 and refresh.call_count == 1


def test_a_dead_refresh_token_raises_without_calling_on_tokens(http):
    me = http.get(f"{BASE}/v1/me", status=401, json=envelope("INVALID_TOKEN"))
    http.post(f"{BASE}/v1/auth/token", status=401, json=envelope("INVALID_TOKEN", "Refresh token reused"))
    seen: list[dict] = []
    with pytest.raises(ApiError) as caught:
        Client(BASE, access_token="a", refresh_token="r", on_tokens=seen.append).me()
    assert caught.value.message == "Refresh token reused"
    assert me.call_count == 1 and seen == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"access_token": "a"}, "INVALID_TOKEN"),  # no refresh token
        ({"api_key": "gpk_x"}, "INVALID_TOKEN"),  # an API key never refreshes
        ({"access_token": "a", "refresh_token": "r"}, "UNAUTHENTICATED"),  # only INVALID_TOKEN refreshes
        ({"access_token": "a", "refresh_token": "r"}, "FORBIDDEN"),
    ],
)
def test_no_refresh_unless_a_session_token_was_refused_as_invalid(http, kwargs, code):
    http.get(f"{BASE}/v1/me", status=403 if code == "FORBIDDEN" else 401, json=envelope(code))
    refresh = http.post(f"{BASE}/v1/auth/token", json=tokens(1))
    with pytest.raises(ApiError) as caught:
        Client(BASE, **kwargs).me()
    assert caught.value.code == code and refresh.call_count == 0


def test_a_session_and_an_api_key_together_are_refused():
    with pytest.raises(ValueError):
        Client(BASE, access_token="a", api_key="gpk_x")


def test_refresh_without_a_refresh_token_raises():
    with pytest.raises(GpuaasError):
        Client(BASE, access_token="a").refresh()


def test_sign_in_calls_adopt_the_session(http):
    http.post(
        f"{BASE}/v1/dev/token",
        json={**tokens(1), "id_token": "idt"},
        match=[matchers.json_params_matcher({"user": "alice", "org": "acme", "role": "owner"})],
    )
    http.post(
        f"{BASE}/v1/auth/token",
        json=tokens(2),
        match=[
            matchers.json_params_matcher(
                {
                    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                    "subject_token": "idt",
                    "org_id": "org_9",
                }
            )
        ],
    )
    seen: list[dict] = []
    client = Client(BASE, on_tokens=seen.append)
    client.dev_token("alice", "acme", "owner")
    assert client.access_token == "access-1"
    client.exchange_oidc_token("idt", org_id="org_9")
    assert client.access_token == "access-2" and len(seen) == 2


def test_logout_after_a_refresh_names_the_rotated_refresh_token(http):
    # responses serves registrations of one URL in order: the expired token's 401 first, then the 204.
    http.post(f"{BASE}/v1/auth/logout", status=401, json=envelope("INVALID_TOKEN"))
    http.post(f"{BASE}/v1/auth/logout", status=204)
    http.post(f"{BASE}/v1/auth/token", json=tokens(1))
    client = Client(BASE, access_token="access-0", refresh_token="refresh-0")
    client.logout()
    bodies = [json.loads(c.request.body) for c in http.calls if c.request.url.endswith("/logout")]
    assert bodies == [{"refresh_token": "refresh-0"}, {"refresh_token": "refresh-1"}]
    assert client.access_token is None and client.refresh_token is None


def test_logout_all_posts_no_body(http):
    call = http.post(f"{BASE}/v1/auth/logout-all", status=204)
    Client(BASE, access_token="a", refresh_token="r").logout_all()
    assert call.call_count == 1 and not http.calls[0].request.body


# Lists and writes ---------------------------------------------------------------------------


def test_skus_follows_next_cursor_through_empty_pages_with_the_same_filters(http):
    filters = {"region": "us-east-1", "max_price_per_hour_micros": "2490000", "available": "true"}
    pages = [
        ({}, {"items": [api_object("Sku", id="sku_1")], "next_cursor": "c1"}),
        ({"cursor": "c1"}, {"items": [], "next_cursor": "c2"}),
        (
            {"cursor": "c2"},
            {"items": [api_object("Sku", id="sku_2"), api_object("Sku", id="sku_3")], "next_cursor": None},
        ),
    ]
    for extra, page in pages:
        http.get(f"{BASE}/v1/skus", json=page, match=[matchers.query_param_matcher({**filters, **extra})])
    client = Client(BASE, access_token="ignored-for-public-routes")
    skus = list(client.skus(region="us-east-1", max_price_per_hour_micros=2_490_000, available=True))
    assert [s.id for s in skus] == ["sku_1", "sku_2", "sku_3"]
    assert len(http.calls) == 3
    assert all("Authorization" not in c.request.headers for c in http.calls)  # the catalog is public


def test_members_and_audit_paginate_too(http):
    http.get(
        f"{BASE}/v1/members",
        json={"items": [api_object("Member", user_id="usr_1")], "next_cursor": "m1"},
        match=[matchers.query_param_matcher({})],
    )
    http.get(
        f"{BASE}/v1/members",
        json={"items": [api_object("Member", user_id="usr_2")], "next_cursor": None},
        match=[matchers.query_param_matcher({"cursor": "m1"})],
    )
    http.get(
        f"{BASE}/v1/audit",
        json={"items": [api_object("AuditRecord", action="members:write")], "next_cursor": None},
        match=[matchers.query_param_matcher({"action": "members:write"})],
    )
    client = Client(BASE, api_key="gpk_x")
    assert [m.user_id for m in client.members()] == ["usr_1", "usr_2"]
    audit = [r.to_dict() for r in client.audit(action="members:write")]
    assert audit == [api_object("AuditRecord", action="members:write")]


def test_creates_send_a_fresh_uuid4_idempotency_key(http):
    key = api_object("NewApiKey", id="key_1", name="ci", scopes=["read"], secret="gpk_s")
    http.post(
        f"{BASE}/v1/api-keys",
        status=201,
        json=key,
        match=[matchers.json_params_matcher({"name": "ci", "scopes": ["read"], "expires_in_days": 30})],
    )
    http.post(
        f"{BASE}/v1/api-keys",
        status=201,
        json=key,
        match=[matchers.json_params_matcher({"name": "ci", "scopes": ["read"]})],
    )
    http.post(
        f"{BASE}/v1/members",
        status=201,
        json=api_object("Member", user_id="usr_2", role="viewer"),
        match=[matchers.json_params_matcher({"user_id": "usr_2", "role": "viewer"})],
    )
    http.patch(
        f"{BASE}/v1/members/usr_2",
        json=api_object("Member", user_id="usr_2", role="admin"),
        match=[matchers.json_params_matcher({"role": "admin"})],
    )
    client = Client(BASE, api_key="gpk_x")
    assert client.create_api_key("ci", ["read"], 30).secret == "gpk_s"
    client.create_api_key("ci", ["read"])
    client.add_member("usr_2", "viewer")
    client.set_member_role("usr_2", "admin")

    keys = [c.request.headers.get("Idempotency-Key") for c in http.calls]
    assert all(uuid.UUID(k).version == 4 for k in keys[:3])
    assert len(set(keys[:3])) == 3
    assert keys[3] is None  # a PATCH is idempotent by nature


def test_an_explicit_idempotency_key_is_sent_as_is(http):
    http.post(
        f"{BASE}/v1/members",
        status=201,
        json=api_object("Member"),
        match=[matchers.header_matcher({"Idempotency-Key": "k-1"})],
    )
    Client(BASE, api_key="gpk_x").add_member("usr_2", "viewer", idempotency_key="k-1")


def test_delete_returns_none_and_path_segments_are_quoted(http):
    http.delete(f"{BASE}/v1/members/usr_2", status=204)
    http.post(f"{BASE}/v1/api-keys/a%2Fb/revoke", json=api_object("ApiKey", id="a/b"))
    client = Client(BASE, api_key="gpk_x")
    assert client.remove_member("usr_2") is None
    assert client.revoke_api_key("a/b").to_dict() == api_object("ApiKey", id="a/b")
    assert http.calls[1].request.body is None


def test_health_is_public(http):
    http.get(f"{BASE}/v1/health", json={"status": "ok", "stage": "local"})
    assert Client(BASE + "/", api_key="gpk_x").health().to_dict() == {"status": "ok", "stage": "local"}
    assert "Authorization" not in http.calls[0].request.headers


# Packaging ----------------------------------------------------------------------------------

SERVER_PACKAGES = {"chalicelib", "app", "functions", "localcloud", "node_agent", "tests"}


def test_the_client_source_imports_nothing_from_the_server():
    import ast

    for path in CLIENT_SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & SERVER_PACKAGES, f"{path.name} imports {names}"


def test_importing_the_client_loads_no_server_module(tmp_path):
    code = (
        "import sys, gpuaas_client.cli, gpuaas_client.credentials;"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(SERVER_PACKAGES)!r});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
