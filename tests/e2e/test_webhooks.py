"""Customer webhooks end to end: a real HTTP receiver on loopback verifies every delivery with the
standardwebhooks reference implementation; retries are compressed by sweeping with later event
times, never by sleeping."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from chalicelib import bootstrap
from chalicelib.core.clock import isoformat
from chalicelib.core.settings import get_settings
from tests.e2e.helpers import emails_sent_to, sku_body
from tests.support.contracts import validate_public_event

pytestmark = pytest.mark.e2e

ORG = "hooks-org"


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that answers with scripted statuses (then 200) and keeps
    every request it got."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = f"receiver says {status}".encode()
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every request, verified with ``secret`` (raises if one does not verify), each body checked
        against its public schema (events/public/) and its webhook-id against the body's id."""
        bodies = []
        for headers, body in self.requests:
            event = Webhook(secret).verify(body, headers)
            validate_public_event(event)
            assert headers["webhook-id"] == event["id"]
            bodies.append(event)
        return bodies


@pytest.fixture
def receiver() -> Iterator[Any]:
    made: list[Receiver] = []

    def make(*statuses: int) -> Receiver:
        made.append(Receiver(*statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def sweeper_holds_every_retry(monkeypatch):
    """Every retry waits on the due-time index (none on SQS delays), so the test moves time by
    invoking the sweeper with later event times."""
    monkeypatch.setenv("GPUAAS_WEBHOOK_QUEUE_DELAY_MAX_SECONDS", "0")
    get_settings.cache_clear()
    bootstrap.reset()
    yield
    monkeypatch.delenv("GPUAAS_WEBHOOK_QUEUE_DELAY_MAX_SECONDS")
    get_settings.cache_clear()
    bootstrap.reset()


def auth(api, role: str, org: str = ORG) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(role, user=f'{role}-{org}', org=org)}"}


def create(api, url: str, types: list[str], role: str = "owner", **extra: Any) -> dict[str, Any]:
    headers = auth(api, role) if role != "operator" else {}
    r = api.request(
        "POST",
        "/v1/webhooks",
        role="operator" if role == "operator" else None,
        headers=headers,
        json={"url": url, "event_types": types, **extra},
    )
    assert r.status_code == 201, r.text
    return r.json()


def call(api, method: str, path: str, role: str = "owner", **kwargs: Any):
    return api.request(method, path, role=None, headers=auth(api, role), **kwargs)


def sweep(cloud, at: datetime) -> Any:
    return cloud.invoke("WebhookRetryFunction", {"time": isoformat(at), "detail-type": "Scheduled Event"})


def test_a_receiver_failing_three_times_gets_the_event_once_as_a_success_after_four_attempts(
    api, cloud, receiver, sweeper_holds_every_retry
):
    hook = receiver(500, 502, 503)
    endpoint = create(api, hook.url, ["node.*"], role="operator")
    assert endpoint["operator"] is True and endpoint["secret"].startswith("whsec_")
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    node = api.post(
        "/v1/admin/nodes",
        json={"hostname": "gpu-1.fleet", "sku_id": sku["id"], "gpu_model": sku["gpu_model"], "gpu_count": 8},
    ).json()
    assert api.post(f"/v1/admin/nodes/{node['id']}/drain", json={"reason": "maintenance"}).status_code == 200
    cloud.drain()  # outbox -> bus -> fan-out queue -> delivery queue -> the first attempt
    assert len(hook.requests) == 1
    at = datetime.now(UTC)
    for delay in (5, 300, 1800):
        assert sweep(cloud, at + timedelta(seconds=delay - 1))["queued"] == 0  # not due yet
        at += timedelta(seconds=delay)
        assert sweep(cloud, at)["queued"] == 1
        cloud.drain()
    assert sweep(cloud, at + timedelta(hours=30))["queued"] == 0  # settled: nothing more is due
    cloud.drain()
    bodies = hook.verified(endpoint["secret"])
    assert len(bodies) == 4 and {b["type"] for b in bodies} == {"node.drained"}
    ids = {headers["webhook-id"] for headers, _ in hook.requests}
    assert len(ids) == 1 and ids == {bodies[0]["id"]}
    assert bodies[0]["data"]["node"]["id"] == node["id"]

    page = api.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json()
    [delivery] = page["items"]
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 4 and delivery["event_id"] in ids
    detail = api.get(f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}").json()
    assert [(a["status"], a["status_code"]) for a in detail["attempt_log"]] == [
        ("failed", 500),
        ("failed", 502),
        ("failed", 503),
        ("succeeded", 200),
    ]
    assert detail["attempt_log"][0]["response"] == "receiver says 500"
    assert all(a["latency_ms"] is not None for a in detail["attempt_log"])
    assert detail["payload"] == bodies[0]


def test_an_endpoint_failing_for_five_days_is_disabled_as_failing(api, cloud, receiver, sweeper_holds_every_retry):
    hook = receiver(*([500] * 10))
    endpoint = create(api, hook.url, ["node.*"], role="operator")
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    spec = {"hostname": "gpu-2.fleet", "sku_id": sku["id"], "gpu_model": sku["gpu_model"], "gpu_count": 8}
    node = api.post("/v1/admin/nodes", json=spec).json()
    api.post(f"/v1/admin/nodes/{node['id']}/drain", json={"reason": "maintenance"})
    cloud.drain()
    assert api.get(f"/v1/webhooks/{endpoint['id']}").json()["failing_since"] is not None
    # The retry due 5 s later is swept five days on: still failing, so the endpoint is disabled.
    assert sweep(cloud, datetime.now(UTC) + timedelta(days=5, seconds=10))["queued"] == 1
    cloud.drain()
    after = api.get(f"/v1/webhooks/{endpoint['id']}").json()
    assert after["enabled"] is False and after["disabled_reason"] == "failing"
    events = api.get(f"/v1/admin/events?subject={endpoint['id']}").json()["items"]
    assert [e["data"]["reason"] for e in events if e["type"] == "webhook.disabled"] == ["failing"]
    assert len(hook.requests) == 2


def test_410_disables_the_endpoint_and_emits_webhook_disabled(api, cloud, receiver):
    hook = receiver(410)
    endpoint = create(api, hook.url, ["allocation.*"])
    assert call(api, "POST", f"/v1/webhooks/{endpoint['id']}/test").status_code == 202
    cloud.drain()
    assert len(hook.requests) == 1 and hook.verified(endpoint["secret"])[0]["type"] == "webhook.ping"
    after = call(api, "GET", f"/v1/webhooks/{endpoint['id']}", role="member").json()
    assert after["enabled"] is False and after["disabled_reason"] == "gone"
    events = api.get(f"/v1/admin/events?subject={endpoint['id']}").json()["items"]
    disabled = [e for e in events if e["type"] == "webhook.disabled"]
    assert len(disabled) == 1 and disabled[0]["data"]["reason"] == "gone"
    assert disabled[0]["data"]["webhook"]["id"] == endpoint["id"]
    assert endpoint["secret"] not in json.dumps(events)
    # The org's owner is told by email, naming the endpoint.
    owner = api.get("/v1/me", headers=auth(api, "owner")).json()["user"]["email"]
    told = [m for m in emails_sent_to(cloud, owner) if endpoint["id"] in m.as_string() or hook.url in m.as_string()]
    assert len(told) == 1, [m["Subject"] for m in emails_sent_to(cloud, owner)]
    # A disabled endpoint takes no tests; enabling it again clears the reason.
    r = call(api, "POST", f"/v1/webhooks/{endpoint['id']}/test")
    assert r.status_code == 409 and r.json()["error"]["code"] == "WEBHOOK_DISABLED"
    again = call(api, "PATCH", f"/v1/webhooks/{endpoint['id']}", json={"enabled": True}).json()
    assert again["enabled"] is True and again["disabled_reason"] is None


def test_redeliver_and_recover_resend_what_failed(api, cloud, receiver):
    hook = receiver(500, 500, 500)
    endpoint = create(api, hook.url, ["*"])
    wid = endpoint["id"]
    since = isoformat(datetime.now(UTC) - timedelta(minutes=5))
    first = call(api, "POST", f"/v1/webhooks/{wid}/test").json()
    call(api, "POST", f"/v1/webhooks/{wid}/test")
    call(api, "POST", f"/v1/webhooks/{wid}/test")
    cloud.drain()
    deliveries = call(api, "GET", f"/v1/webhooks/{wid}/deliveries").json()["items"]
    assert [d["status"] for d in deliveries] == ["failed"] * 3  # a test ping is one attempt
    r = call(api, "POST", f"/v1/webhooks/{wid}/deliveries/{first['id']}/redeliver")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    cloud.drain()
    assert call(api, "GET", f"/v1/webhooks/{wid}/deliveries/{first['id']}").json()["status"] == "succeeded"
    r = call(api, "POST", f"/v1/webhooks/{wid}/recover?since={since}")
    assert r.status_code == 202 and r.json()["deliveries"] == 2
    cloud.drain()
    statuses = [d["status"] for d in call(api, "GET", f"/v1/webhooks/{wid}/deliveries").json()["items"]]
    assert statuses == ["succeeded"] * 3
    bodies = hook.verified(endpoint["secret"])
    assert len(bodies) == 6
    # The resends carry the ids of the first sends: receivers deduplicate by webhook-id.
    first_ids = [h["webhook-id"] for h, _ in hook.requests[:3]]
    assert sorted(first_ids) == sorted({h["webhook-id"] for h, _ in hook.requests[3:]})
    old = isoformat(datetime.now(UTC) - timedelta(days=15))
    r = call(api, "POST", f"/v1/webhooks/{wid}/recover?since={old}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_during_a_rotation_both_secrets_verify(api, cloud, receiver):
    hook = receiver()
    endpoint = create(api, hook.url, ["balance.*"])
    rotated = call(api, "POST", f"/v1/webhooks/{endpoint['id']}/rotate")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != endpoint["secret"] and rotated.json()["previous_secret_expires_at"]
    call(api, "POST", f"/v1/webhooks/{endpoint['id']}/test")
    cloud.drain()
    [(headers, _)] = hook.requests
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert hook.verified(endpoint["secret"]) == hook.verified(new)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(hook.requests[0][1], headers)


def test_the_test_ping_is_a_signed_webhook_ping(api, cloud, receiver):
    hook = receiver()
    endpoint = create(api, hook.url, ["allocation.active"], description="ci")
    r = call(api, "POST", f"/v1/webhooks/{endpoint['id']}/test")
    assert r.status_code == 202 and r.json()["event_type"] == "webhook.ping"
    cloud.drain()
    [body] = hook.verified(endpoint["secret"])
    assert body["type"] == "webhook.ping" and body["data"]["webhook_id"] == endpoint["id"]
    assert hook.requests[0][0]["webhook-id"] == body["id"] == r.json()["event_id"]


def test_roles_owners_and_admins_manage_members_and_viewers_read_and_no_secret_is_read_back(api, receiver):
    hook = receiver()
    endpoint = create(api, hook.url, ["*"], role="admin")
    for role in ("member", "viewer"):
        r = call(api, "POST", "/v1/webhooks", role=role, json={"url": hook.url, "event_types": ["*"]})
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
        assert call(api, "DELETE", f"/v1/webhooks/{endpoint['id']}", role=role).status_code == 403
        listed = call(api, "GET", "/v1/webhooks", role=role)
        assert listed.status_code == 200 and [w["id"] for w in listed.json()["items"]] == [endpoint["id"]]
        one = call(api, "GET", f"/v1/webhooks/{endpoint['id']}", role=role)
        assert one.status_code == 200 and "secret" not in one.json()
        assert endpoint["secret"] not in listed.text + one.text
    # Another org sees nothing.
    r = api.request("GET", f"/v1/webhooks/{endpoint['id']}", role=None, headers=auth(api, "owner", org="other-org"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "WEBHOOK_NOT_FOUND"
    assert call(api, "DELETE", f"/v1/webhooks/{endpoint['id']}").status_code == 204
    assert call(api, "GET", f"/v1/webhooks/{endpoint['id']}").status_code == 404
    # Every change is in the org's audit trail.
    trail = call(api, "GET", f"/v1/audit?target={endpoint['id']}").json()["items"]
    assert len(trail) == 2 and all(t["action"] == "webhooks:write" for t in trail)
    assert endpoint["secret"] not in json.dumps(trail)


def test_an_idempotent_replay_of_a_create_returns_the_endpoint_without_its_secret(api, receiver):
    hook = receiver()
    headers = {**auth(api, "owner"), "Idempotency-Key": "create-1"}
    body = {"url": hook.url, "event_types": ["*"]}
    first = api.request("POST", "/v1/webhooks", role=None, headers=headers, json=body)
    again = api.request("POST", "/v1/webhooks", role=None, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["secret"].startswith("whsec_") and again.json()["secret"] is None
    assert first.json()["id"] == again.json()["id"]
    assert len(call(api, "GET", "/v1/webhooks").json()["items"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "ftp://hooks.example.com/x", "event_types": ["*"]}, 422, "INVALID_WEBHOOK_URL"),
        ({"url": "http://10.0.0.7/x", "event_types": ["*"]}, 422, "INVALID_WEBHOOK_URL"),
        ({"url": "http://169.254.169.254/latest", "event_types": ["*"]}, 422, "INVALID_WEBHOOK_URL"),
        ({"url": "RECEIVER", "event_types": ["node.*"]}, 400, "VALIDATION_ERROR"),
        ({"url": "RECEIVER", "event_types": ["allocation.exploded"]}, 400, "VALIDATION_ERROR"),
        ({"url": "RECEIVER", "event_types": []}, 400, "VALIDATION_ERROR"),
        ({"url": "RECEIVER"}, 400, "VALIDATION_ERROR"),
        ({"url": "RECEIVER", "event_types": ["*"], "secret": "mine"}, 400, "VALIDATION_ERROR"),
    ],
)
def test_bad_input_gets_4xx_catalog_codes(api, receiver, body, status, code):
    hook = receiver()
    if body.get("url") == "RECEIVER":
        body = {**body, "url": hook.url}
    r = call(api, "POST", "/v1/webhooks", json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert call(api, "GET", "/v1/webhooks").json()["items"] == []


def test_unknown_ids_are_404s(api, receiver):
    endpoint = create(api, receiver().url, ["*"])
    r = call(api, "GET", "/v1/webhooks/whk_nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "WEBHOOK_NOT_FOUND"
    r = call(api, "GET", f"/v1/webhooks/{endpoint['id']}/deliveries/dlv_nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "WEBHOOK_DELIVERY_NOT_FOUND"
    r = call(api, "POST", f"/v1/webhooks/{endpoint['id']}/deliveries/dlv_nope/redeliver")
    assert r.status_code == 404 and r.json()["error"]["code"] == "WEBHOOK_DELIVERY_NOT_FOUND"


def test_the_cli_manages_an_endpoint_and_reads_its_delivery_log(cloud, receiver, tmp_path, monkeypatch, capsys):
    import io

    from gpuaas_client.cli import main

    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "gpuaas"))
    monkeypatch.setenv("GPUAAS_API_URL", cloud.api_url)
    monkeypatch.delenv("GPUAAS_API_KEY", raising=False)

    def gpuaas(*argv: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        capsys.readouterr()
        assert code == 0, f"gpuaas {' '.join(argv)} -> {code}: {out.getvalue()} {err.getvalue()}"
        return out.getvalue()

    gpuaas("login", "--dev", "--user", "cli-owner", "--org", "cli-org", "--role", "owner")
    hook = receiver(500)
    created = json.loads(gpuaas("webhooks", "create", hook.url, "--event", "allocation.*", "--json"))
    secret, wid = created["secret"], created["id"]
    assert secret.startswith("whsec_")
    assert [w["id"] for w in json.loads(gpuaas("webhooks", "list", "--json"))] == [wid]
    assert secret not in gpuaas("webhooks", "get", wid)
    gpuaas("webhooks", "update", wid, "--event", "*", "--description", "from the cli")
    assert json.loads(gpuaas("webhooks", "get", wid, "--json"))["event_types"] == ["*"]
    ping = json.loads(gpuaas("webhooks", "test", wid, "--json"))
    cloud.drain()
    [delivery] = json.loads(gpuaas("webhooks", "deliveries", wid, "--json"))
    assert delivery["id"] == ping["id"] and delivery["status"] == "failed"
    assert "500" in gpuaas("webhooks", "deliveries", wid, ping["id"])
    gpuaas("webhooks", "redeliver", wid, ping["id"])
    cloud.drain()
    assert json.loads(gpuaas("webhooks", "deliveries", wid, "--json"))[0]["status"] == "succeeded"
    since = isoformat(datetime.now(UTC) - timedelta(hours=1))
    assert json.loads(gpuaas("webhooks", "recover", wid, "--since", since, "--json"))["deliveries"] == 0
    new = gpuaas("webhooks", "rotate", wid, "--quiet").strip()
    assert new.startswith("whsec_") and new != secret
    gpuaas("webhooks", "delete", wid)
    assert json.loads(gpuaas("webhooks", "list", "--json")) == []
    assert len(hook.verified(secret)) == 2
