"""Identity and access end to end: sessions, tokens, orgs, roles, API keys, audit."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.helpers import ApiClient, sku_body

pytestmark = pytest.mark.e2e


def code(response) -> str:
    return response.json()["error"]["code"]


def sign_in(api: ApiClient, user: str, org: str, role: str) -> dict:
    r = api.session.post(f"{api.base_url}/v1/dev/token", json={"user": user, "org": org, "role": role})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def call(api: ApiClient, method: str, path: str, token: str, **kwargs):
    return api.request(method, path, role=None, headers=bearer(token), **kwargs)


# Sessions -------------------------------------------------------------------------------------


def test_oidc_exchange_creates_user_and_org_once(api):
    id_token = sign_in(api, "alice", "acme", "owner")["id_token"]
    first = api.post("/v1/auth/token", role=None, json={"grant_type": TOKEN_EXCHANGE, "subject_token": id_token})
    assert first.status_code == 200, first.text
    me = call(api, "GET", "/v1/me", first.json()["access_token"]).json()
    assert me["user"]["email"] == "alice@dev.local"
    assert me["auth"] == "session" and me["operator"] is False
    assert {o["id"] for o in me["orgs"]} == {first.json()["org_id"]}
    again = api.post("/v1/auth/token", role=None, json={"grant_type": TOKEN_EXCHANGE, "subject_token": id_token})
    assert again.json()["user_id"] == first.json()["user_id"]


def test_refresh_rotates_and_a_replayed_refresh_token_kills_the_family(api):
    session = sign_in(api, "bob", "acme", "member")
    refresh = {"grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
    rotated = api.post("/v1/auth/token", role=None, json=refresh)
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != session["refresh_token"]
    replay = api.post("/v1/auth/token", role=None, json=refresh)
    assert replay.status_code == 401 and code(replay) == "INVALID_TOKEN"
    # The thief's replay revoked the family: the legitimate, rotated token is dead too.
    after = api.post(
        "/v1/auth/token",
        role=None,
        json={"grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]},
    )
    assert after.status_code == 401 and code(after) == "INVALID_TOKEN"


def test_logout_and_sign_out_everywhere(api):
    one = sign_in(api, "carol", "acme", "member")
    two = sign_in(api, "carol", "acme", "member")
    assert (
        call(
            api, "POST", "/v1/auth/logout", one["access_token"], json={"refresh_token": one["refresh_token"]}
        ).status_code
        == 204
    )
    dead = api.post(
        "/v1/auth/token", role=None, json={"grant_type": "refresh_token", "refresh_token": one["refresh_token"]}
    )
    assert dead.status_code == 401
    alive = api.post(
        "/v1/auth/token", role=None, json={"grant_type": "refresh_token", "refresh_token": two["refresh_token"]}
    )
    assert alive.status_code == 200
    assert call(api, "POST", "/v1/auth/logout-all", two["access_token"]).status_code == 204
    gone = api.post(
        "/v1/auth/token",
        role=None,
        json={"grant_type": "refresh_token", "refresh_token": alive.json()["refresh_token"]},
    )
    assert gone.status_code == 401


# Token rejection ------------------------------------------------------------------------------

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _session_claims(valid: dict) -> dict:
    return jwt.decode(valid, options={"verify_signature": False})


def forged_session_tokens(valid: str) -> dict[str, str]:
    settings = get_settings()
    key_pem = os.environ["GPUAAS_SESSION_SIGNING_KEY"]
    header = jwt.get_unverified_header(valid)
    claims = _session_claims(valid)
    now = datetime.now(UTC)

    def signed(**changes) -> str:
        c = {**claims, **changes}
        return jwt.encode(c, key_pem, algorithm="ES256", headers={"kid": header["kid"]})

    from cryptography.hazmat.primitives import serialization

    public_pem = (
        serialization.load_pem_private_key(key_pem.encode(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head, payload, sig = valid.split(".")
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': header['kid']})}.{payload}.",
        "HS256 with the public key": _hs256_with(public_pem, claims, header["kid"]),
        "expired": signed(
            exp=int((now - timedelta(minutes=5)).timestamp()), iat=int((now - timedelta(hours=1)).timestamp())
        ),
        "not yet valid": signed(nbf=int((now + timedelta(minutes=10)).timestamp())),
        "wrong issuer": signed(iss="https://evil.example"),
        "wrong audience": signed(aud="someone-else"),
        "unknown kid": jwt.encode(claims, key_pem, algorithm="ES256", headers={"kid": "not-a-known-key"}),
        "tampered payload": f"{head}.{_b64({**claims, 'op': True, 'role': 'owner'})}.{sig}",
        "tampered signature": f"{head}.{payload}.{sig[:-6]}AAAAAA",
        "garbage": "not-a-token",
        "issuer fine, role forged": signed(role="god"),
    } | ({"other session issuer": signed(iss=settings.oidc_issuer)} if settings.oidc_issuer else {})


def _hs256_with(secret: bytes, claims: dict, kid: str) -> str:
    import hashlib
    import hmac

    head = _b64({"alg": "HS256", "typ": "JWT", "kid": kid})
    body = _b64(claims)
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(sig).decode().rstrip('=')}"


def test_forged_session_tokens_are_401(api):
    valid = api.token("operator")
    assert call(api, "GET", "/v1/me", valid).status_code == 200
    for name, token in forged_session_tokens(valid).items():
        r = call(api, "GET", "/v1/admin/skus", token)
        assert r.status_code == 401, (name, r.text)
        assert code(r) == "INVALID_TOKEN", name


def forged_oidc_tokens(valid: str) -> dict[str, str]:
    key_pem = os.environ["GPUAAS_DEV_ISSUER_PRIVATE_KEY"]
    header = jwt.get_unverified_header(valid)
    claims = jwt.decode(valid, options={"verify_signature": False})
    now = int(time.time())
    from cryptography.hazmat.primitives import serialization

    public_pem = (
        serialization.load_pem_private_key(key_pem.encode(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    def signed(**changes) -> str:
        return jwt.encode({**claims, **changes}, key_pem, algorithm="RS256", headers={"kid": header["kid"]})

    head, payload, sig = valid.split(".")
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "HS256 with the public key": _hs256_with(public_pem, claims, header["kid"]),
        "expired": signed(exp=now - 300, iat=now - 3600),
        "not yet valid": signed(nbf=now + 600),
        "wrong issuer": signed(iss="https://evil.example"),
        "wrong audience": signed(aud="someone-else"),
        "unknown kid": jwt.encode(claims, key_pem, algorithm="RS256", headers={"kid": "rotated-away"}),
        "tampered payload": f"{head}.{_b64({**claims, 'sub': 'admin'})}.{sig}",
        "tampered signature": f"{head}.{payload}.{sig[:-6]}AAAAAA",
    }


def test_forged_oidc_tokens_cannot_be_exchanged(api):
    valid = sign_in(api, "dave", "acme", "member")["id_token"]
    ok = api.post("/v1/auth/token", role=None, json={"grant_type": TOKEN_EXCHANGE, "subject_token": valid})
    assert ok.status_code == 200
    for name, token in forged_oidc_tokens(valid).items():
        r = api.post("/v1/auth/token", role=None, json={"grant_type": TOKEN_EXCHANGE, "subject_token": token})
        assert r.status_code == 401, (name, r.text)
        assert code(r) == "INVALID_TOKEN", name


def test_an_oidc_token_is_not_an_access_token(api):
    id_token = sign_in(api, "erin", "acme", "member")["id_token"]
    r = call(api, "GET", "/v1/me", id_token)
    assert r.status_code == 401 and code(r) == "INVALID_TOKEN"


# API keys -------------------------------------------------------------------------------------


def test_api_key_lifecycle(api, cloud):
    owner = sign_in(api, "frank", "keys-inc", "owner")["access_token"]
    created = call(api, "POST", "/v1/api-keys", owner, json={"name": "ci", "scopes": ["read"]})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret.startswith(created.json()["prefix"] + "_")
    listed = call(api, "GET", "/v1/api-keys", owner).json()["items"]
    assert [k["id"] for k in listed] == [created.json()["id"]]
    assert "secret" not in listed[0] and "secret_hash" not in listed[0]
    me = call(api, "GET", "/v1/me", secret).json()
    assert me["auth"] == "api_key" and me["api_key_id"] == created.json()["id"]
    # A read-scoped key cannot write, and no key can mint keys.
    assert code(call(api, "POST", "/v1/api-keys", secret, json={"name": "x", "scopes": ["read"]})) == "FORBIDDEN"
    assert call(api, "GET", "/v1/api-keys", owner).json()["items"][0]["last_used_at"] is not None
    revoked = call(api, "POST", f"/v1/api-keys/{created.json()['id']}/revoke", owner)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    r = call(api, "GET", "/v1/me", secret)
    assert r.status_code == 401 and code(r) == "INVALID_TOKEN"
    wrong_secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert code(call(api, "GET", "/v1/me", wrong_secret)) == "INVALID_TOKEN"
    assert code(call(api, "GET", "/v1/me", "gpk_short")) == "INVALID_TOKEN"


def test_removing_a_member_revokes_their_keys(api):
    owner = sign_in(api, "gina", "shop", "owner")["access_token"]
    member = sign_in(api, "hank", "shop", "member")
    key = call(api, "POST", "/v1/api-keys", member["access_token"], json={"name": "k", "scopes": ["write"]}).json()
    assert call(api, "GET", "/v1/me", key["secret"]).status_code == 200
    assert call(api, "DELETE", f"/v1/members/{member['user_id']}", owner).status_code == 204
    assert call(api, "GET", "/v1/me", key["secret"]).status_code == 401


# Orgs and roles -------------------------------------------------------------------------------


def test_members_roles_and_the_last_owner(api):
    owner = sign_in(api, "ivy", "roles", "owner")
    admin = sign_in(api, "jack", "roles", "admin")
    outsider = sign_in(api, "kate", "elsewhere", "owner")
    o = owner["access_token"]
    added = call(api, "POST", "/v1/members", o, json={"user_id": outsider["user_id"], "role": "viewer"})
    assert added.status_code == 201, added.text
    assert (
        code(call(api, "POST", "/v1/members", o, json={"user_id": outsider["user_id"], "role": "viewer"}))
        == "MEMBER_EXISTS"
    )
    members = {m["user_id"]: m["role"] for m in call(api, "GET", "/v1/members", o).json()["items"]}
    assert members == {owner["user_id"]: "owner", admin["user_id"]: "admin", outsider["user_id"]: "viewer"}
    # An admin cannot make an owner; the last owner can neither leave nor be demoted.
    assert (
        code(call(api, "PATCH", f"/v1/members/{outsider['user_id']}", admin["access_token"], json={"role": "owner"}))
        == "FORBIDDEN"
    )
    assert code(call(api, "PATCH", f"/v1/members/{owner['user_id']}", o, json={"role": "member"})) == "LAST_OWNER"
    assert code(call(api, "DELETE", f"/v1/members/{owner['user_id']}", o)) == "LAST_OWNER"
    assert call(api, "PATCH", f"/v1/members/{admin['user_id']}", o, json={"role": "owner"}).status_code == 200
    assert call(api, "PATCH", f"/v1/members/{owner['user_id']}", o, json={"role": "member"}).status_code == 200
    assert code(
        call(
            api,
            "POST",
            "/v1/members",
            sign_in(api, "ivy", "roles", "member")["access_token"],
            json={"user_id": outsider["user_id"], "role": "viewer"},
        )
    ) in {"FORBIDDEN", "MEMBER_EXISTS"}


def test_a_viewer_cannot_mutate(api):
    sign_in(api, "lena", "view", "owner")
    viewer = sign_in(api, "mike", "view", "viewer")["access_token"]
    assert call(api, "GET", "/v1/members", viewer).status_code == 200
    for method, path, body in [
        ("POST", "/v1/api-keys", {"name": "x", "scopes": ["read"]}),
        ("POST", "/v1/members", {"user_id": "usr_" + "0" * 26, "role": "viewer"}),
        ("PATCH", "/v1/members/usr_" + "0" * 26, {"role": "admin"}),
        ("DELETE", "/v1/members/usr_" + "0" * 26, None),
        ("GET", "/v1/audit", None),
    ]:
        r = call(api, method, path, viewer, **({"json": body} if body else {}))
        assert r.status_code == 403 and code(r) == "FORBIDDEN", (method, path, r.text)


def test_org_resources_are_invisible_across_orgs(api):
    a = sign_in(api, "nora", "org-a", "owner")
    b = sign_in(api, "otto", "org-b", "owner")
    key = call(api, "POST", "/v1/api-keys", a["access_token"], json={"name": "a", "scopes": ["read"]}).json()
    tb = b["access_token"]
    assert call(api, "GET", "/v1/api-keys", tb).json()["items"] == []
    r = call(api, "POST", f"/v1/api-keys/{key['id']}/revoke", tb)
    assert r.status_code == 404 and code(r) == "API_KEY_NOT_FOUND"
    assert code(call(api, "PATCH", f"/v1/members/{a['user_id']}", tb, json={"role": "viewer"})) == "MEMBER_NOT_FOUND"
    assert code(call(api, "DELETE", f"/v1/members/{a['user_id']}", tb)) == "MEMBER_NOT_FOUND"
    assert {m["user_id"] for m in call(api, "GET", "/v1/members", tb).json()["items"]} == {b["user_id"]}
    trail = call(api, "GET", "/v1/audit", tb).json()["items"]
    assert all(rec["org_id"] == b["org_id"] for rec in trail)
    assert call(api, "GET", "/v1/api-keys", a["access_token"]).json()["items"][0]["revoked_at"] is None
    # Switching a session to an org you are not in is "not found", not "forbidden".
    r = api.post(
        "/v1/auth/token",
        role=None,
        json={"grant_type": "refresh_token", "refresh_token": b["refresh_token"], "org_id": a["org_id"]},
    )
    assert r.status_code == 404 and code(r) == "ORG_NOT_FOUND"


def test_customers_get_403_on_every_admin_route(api):
    from app import api as app_api

    customer = sign_in(api, "pia", "customer", "owner")["access_token"]
    for spec in app_api.routes:
        if not spec.path.startswith("/v1/admin"):
            continue
        path = spec.path.replace("{sku_id}", "sku_" + "0" * 26).replace("{node_id}", "node_" + "0" * 26)
        r = call(api, spec.method, path, customer, json={})
        assert r.status_code == 403 and code(r) == "FORBIDDEN", (spec.method, path, r.text)


# Rate limits ----------------------------------------------------------------------------------


@pytest.fixture
def tight_limits(monkeypatch):
    monkeypatch.setenv("GPUAAS_RATE_LIMITS", json.dumps({"read": 5, "write": 3}))
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("GPUAAS_RATE_LIMITS")
    get_settings.cache_clear()


def test_a_burst_over_the_limit_gets_429_and_others_are_unaffected(api, tight_limits):
    noisy = sign_in(api, "quinn", "burst", "owner")["access_token"]
    calm = sign_in(api, "ruth", "burst", "member")["access_token"]
    statuses = [call(api, "GET", "/v1/me", noisy) for _ in range(8)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 3
    limited = statuses[-1]
    assert code(limited) == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert statuses[0].headers["RateLimit-Limit"] == "5"
    assert statuses[4].headers["RateLimit-Remaining"] == "0"
    assert call(api, "GET", "/v1/me", calm).status_code == 200
    # Budgets are per class: the noisy user's writes are still allowed.
    assert call(api, "POST", "/v1/api-keys", noisy, json={"name": "k", "scopes": ["read"]}).status_code == 201


# Audit ----------------------------------------------------------------------------------------


def test_privileged_acts_leave_audit_records_with_before_and_after(api):
    owner = sign_in(api, "sam", "audited", "owner")
    member = sign_in(api, "tess", "audited", "member")
    o = owner["access_token"]
    r = call(api, "PATCH", f"/v1/members/{member['user_id']}", o, json={"role": "admin"})
    request_id = r.headers["X-Request-Id"]
    trail = call(api, "GET", "/v1/audit", o).json()["items"]
    entry = next(e for e in trail if e["request_id"] == request_id)
    assert entry["action"] == "members:write" and entry["target"] == member["user_id"]
    assert entry["before"]["role"] == "member" and entry["after"]["role"] == "admin"
    assert entry["actor"]["user_id"] == owner["user_id"]
    sku = api.post("/v1/admin/skus", json=sku_body())
    platform = api.get(f"/v1/admin/audit?action=admin:skus:create&target={sku.json()['id']}").json()["items"]
    assert [e["request_id"] for e in platform] == [sku.headers["X-Request-Id"]]
    assert platform[0]["before"] is None and platform[0]["after"]["price_per_hour_micros"] == 2_490_000
