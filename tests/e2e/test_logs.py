"""Logs end to end: real agents (sandbox executor) run startup scripts and ship their output and their own
log to the local cloud's API, which stores them in CloudWatch Logs (moto); customers read an allocation's
log through the API and `gpuaas logs`, operators a node agent's."""

from __future__ import annotations

import io
import json
import time
import uuid
from typing import Any

import pytest
from gpuaas_client.cli import main

from tests.e2e.fleet_helpers import Rentable, rentable_fleet

pytestmark = pytest.mark.e2e

EXITED = "[gpuaas-agent] startup script exited with status 0"


@pytest.fixture
def fleet(api, cloud):
    rentable = rentable_fleet(api, cloud, hosts=1, gpus_per_host=8, sku_gpus=2, name="logs")
    yield rentable
    rentable.agents.signal_stop()
    rentable.agents.wait()


def logs(fleet: Rentable, allocation_id: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return fleet.api.request(
        "GET", f"/v1/allocations/{allocation_id}/logs", role=None, headers=headers or fleet.customer, params=params
    )


def read_until(fleet: Rentable, allocation_id: str, wanted: str, timeout: float = 20.0) -> list[str]:
    """Every message of the allocation's log, following it until ``wanted`` is among them."""
    messages: list[str] = []
    cursor = None
    deadline = time.monotonic() + timeout
    while wanted not in messages:
        assert time.monotonic() < deadline, f"{wanted!r} never came; got {messages}"
        params = {"follow": "true", **({"cursor": cursor} if cursor else {})}
        r = logs(fleet, allocation_id, **params)
        assert r.status_code == 200, r.text
        messages += [line["message"] for line in r.json()["items"]]
        cursor = r.json()["next_cursor"]
    return messages


def create(fleet: Rentable, script: str, count: int = 1) -> dict[str, Any]:
    r = fleet.create(count=count, startup_script=script)
    assert r.status_code == 202, r.text
    active = fleet.wait_for(r.json()["id"], "active", "failed", timeout=10)
    assert active["state"] == "active", active
    return active


def test_the_startup_script_output_is_the_start_of_the_allocations_log(fleet):
    script = 'echo "hello from the startup script"\necho "gpus=$CUDA_VISIBLE_DEVICES"\necho "to stderr" >&2\npwd\n'
    allocation = create(fleet, script, count=2)
    gpus = ",".join(str(g) for g in sorted(g for s in allocation["slots"] for g in s["gpu_indexes"]))
    messages = read_until(fleet, allocation["id"], EXITED)
    sandbox = fleet.sandbox("logs-00.fleet", allocation["id"])
    assert messages == [
        "hello from the startup script",
        f"gpus={gpus}",
        "to stderr",
        str(sandbox / "home"),
        EXITED,
    ]  # the login's home

    # Pages: one line at a time, each cursor leading on; an empty page past the end, its cursor still usable.
    seen, cursor = [], None
    for _ in range(len(messages)):
        page = logs(fleet, allocation["id"], limit=1, **({"cursor": cursor} if cursor else {})).json()
        assert len(page["items"]) == 1 and page["items"][0]["time"].endswith("Z")
        seen.append(page["items"][0]["message"])
        cursor = page["next_cursor"]
    assert seen == messages
    end = logs(fleet, allocation["id"], cursor=cursor).json()
    assert end["items"] == [] and end["next_cursor"]
    # since: nothing before the allocation existed is missing, nothing after the last line is there.
    assert [x["message"] for x in logs(fleet, allocation["id"], since=allocation["created_at"]).json()["items"]] == (
        messages
    )
    assert logs(fleet, allocation["id"], since="2999-01-01").json()["items"] == []


def test_follow_answers_as_soon_as_new_lines_arrive_and_release_stops_the_script(fleet):
    allocation = create(fleet, "echo first\nsleep 2\necho second\nexec sleep 600\n")
    assert read_until(fleet, allocation["id"], "first")[0] == "first"
    page = logs(fleet, allocation["id"]).json()
    cursor = page["next_cursor"]
    started = time.monotonic()
    messages: list[str] = []
    while "second" not in messages:
        r = logs(fleet, allocation["id"], cursor=cursor, follow="true").json()
        messages += [x["message"] for x in r["items"]]
        cursor = r["next_cursor"]
    waited = time.monotonic() - started
    assert messages == ["second"]
    assert waited < 10, f"follow took {waited:.1f} s (its wait is 20 s: it did not return early)"

    script_file = fleet.sandbox("logs-00.fleet", allocation["id"]) / "startup.sh"
    assert script_file.exists()
    assert fleet.release(allocation["id"]).status_code == 202
    assert fleet.wait_for(allocation["id"], "released")["state"] == "released"
    stopped = read_until(fleet, allocation["id"], "[gpuaas-agent] startup script stopped (exit status -15): "
                         "the allocation is being released")  # fmt: skip
    assert stopped[:2] == ["first", "second"]
    released = read_until(
        fleet, allocation["id"], "[gpuaas-agent] released: the workload is removed and its data wiped"
    )
    assert released[-2].startswith("[gpuaas-agent] startup script stopped")
    assert not script_file.parent.exists()


def test_the_cli_creates_with_a_startup_script_and_prints_the_log(fleet, cloud, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "gpuaas"))
    monkeypatch.setenv("GPUAAS_API_URL", cloud.api_url)
    monkeypatch.delenv("GPUAAS_API_KEY", raising=False)

    def gpuaas(*argv: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        capsys.readouterr()
        assert code == 0, f"gpuaas {' '.join(argv)} -> {code}: {err.getvalue()}"
        return out.getvalue()

    gpuaas("login", "--dev", "--user", "logs-customer", "--org", "logs-org", "--role", "member")
    script = tmp_path / "start.sh"
    script.write_text('echo "cli says hi on $CUDA_VISIBLE_DEVICES"\n')
    out = gpuaas(
        "allocations", "create", "--sku", fleet.sku["id"], "--image", fleet.image["id"],
        "--startup-script", str(script), "--wait",
    )  # fmt: skip
    assert "gpuaas logs " in out
    allocation_id = json.loads(gpuaas("allocations", "list", "--json"))[0]["id"]
    allocation = fleet.get(allocation_id)
    gpus = ",".join(str(g) for s in allocation["slots"] for g in s["gpu_indexes"])
    read_until(fleet, allocation_id, EXITED)

    printed = gpuaas("logs", allocation_id).splitlines()
    assert [line.split("  ", 1)[1] for line in printed] == [f"cli says hi on {gpus}", EXITED]
    assert all(line.split("  ", 1)[0].endswith("Z") for line in printed)
    as_json = [json.loads(line) for line in gpuaas("logs", allocation_id, "--json").splitlines()]
    assert [x["message"] for x in as_json] == [f"cli says hi on {gpus}", EXITED]
    assert gpuaas("logs", allocation_id, "--quiet", "--since", "2999-01-01") == ""


def test_another_org_and_bad_reads_are_refused(fleet, api):
    allocation = create(fleet, "echo mine\n")
    read_until(fleet, allocation["id"], "mine")
    stranger = {"Authorization": f"Bearer {api.token('owner', user='log-stranger', org='elsewhere')}"}
    r = logs(fleet, allocation["id"], headers=stranger)
    assert r.status_code == 404 and r.json()["error"]["code"] == "ALLOCATION_NOT_FOUND"
    viewer = {"Authorization": f"Bearer {api.token('viewer', user='log-viewer', org='logs-org')}"}
    assert logs(fleet, allocation["id"], headers=viewer).status_code == 200  # every member of the org
    other = create(fleet, "echo theirs\n")
    foreign_cursor = logs(fleet, other["id"]).json()["next_cursor"]
    for params, code in [
        ({"cursor": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"cursor": foreign_cursor}, "INVALID_CURSOR"),
        ({"since": "yesterday"}, "VALIDATION_ERROR"),
        ({"since": "2026-13-45"}, "VALIDATION_ERROR"),
        ({"follow": "maybe"}, "VALIDATION_ERROR"),
        ({"limit": "0"}, "VALIDATION_ERROR"),
        ({"tail": "5"}, "VALIDATION_ERROR"),
    ]:
        r = logs(fleet, allocation["id"], **params)
        assert (r.status_code, r.json()["error"]["code"]) == (400, code), params
    r = logs(fleet, "alc_" + "0" * 26)
    assert r.status_code == 404 and r.json()["error"]["code"] == "ALLOCATION_NOT_FOUND"


def test_an_oversized_startup_script_is_refused_and_claims_nothing(fleet):
    before = fleet.free_slots()
    r = fleet.create(startup_script="x" * 16385)
    assert r.status_code == 400 and r.json()["error"]["code"] == "STARTUP_SCRIPT_TOO_LARGE", r.text
    r = fleet.create(startup_script="")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    r = fleet.create(startup_script="echo a\x00b")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert fleet.free_slots() == before
    assert fleet.create(startup_script="x" * 16384).status_code == 202  # the limit itself is fine


def _node_token(fleet: Rentable, hostname: str = "logs-00.fleet") -> tuple[str, str]:
    credentials = json.loads((fleet.agents.root / hostname / "credentials.json").read_text())
    return credentials["node_id"], credentials["node_token"]


def test_agent_batches_are_checked_whole_and_only_for_the_nodes_own_streams(fleet, api):
    node_id, token = _node_token(fleet)
    node = {"Authorization": f"Bearer {token}"}
    allocation = create(fleet, "echo ok\n")
    assert allocation["node_id"] == node_id
    now = int(time.time() * 1000)

    def ship(lines: list[dict[str, Any]], headers: dict[str, str] = node) -> Any:
        return api.request("POST", "/v1/agent/logs", role=None, headers=headers, json={"lines": lines})

    def line(stream: str = allocation["id"], message: str = "m", at: int = now) -> dict[str, Any]:
        return {"stream": stream, "time_ms": at, "message": message}

    ok = ship([line(message="shipped by hand"), line("agent", "agent line")])
    assert ok.status_code == 200 and ok.json() == {"accepted": 2, "streams": 2}
    assert "shipped by hand" in read_until(fleet, allocation["id"], "shipped by hand")
    stranger_alc = "alc_" + uuid.uuid4().hex[:26]
    for lines, status, code in [
        ([line() for _ in range(501)], 413, "LOG_BATCH_TOO_LARGE"),
        ([line(message="x" * 8000) for _ in range(7)], 413, "LOG_BATCH_TOO_LARGE"),
        ([line(message="x" * 8193)], 400, "LOG_LINE_TOO_LONG"),
        ([line(at=now - 14 * 86400 * 1000)], 400, "LOG_TIME_OUT_OF_RANGE"),
        ([line(at=now + 2 * 3600 * 1000)], 400, "LOG_TIME_OUT_OF_RANGE"),
        ([line(), line(stranger_alc)], 404, "ALLOCATION_NOT_FOUND"),
        ([line(stream="node_x")], 400, "VALIDATION_ERROR"),
        ([{**line(), "level": "info"}], 400, "VALIDATION_ERROR"),
        ([], 400, "VALIDATION_ERROR"),
    ]:
        r = ship(lines)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (len(lines), code)
    # A refused batch wrote nothing, not even its valid lines.
    assert "m" not in [x["message"] for x in logs(fleet, allocation["id"]).json()["items"]]
    # A user's credential never reaches the agent route.
    assert ship([line()], headers=fleet.customer).status_code == 403


def test_an_operator_reads_the_node_agents_own_log(fleet, api):
    allocation = create(fleet, "echo hi\n")
    node_id = allocation["node_id"]
    events: list[str] = []
    cursor = None
    deadline = time.monotonic() + 20
    while "command_finished" not in events:
        assert time.monotonic() < deadline, events
        params = {"follow": "true", **({"cursor": cursor} if cursor else {})}
        r = api.get(f"/v1/admin/nodes/{node_id}/logs", params=params)
        assert r.status_code == 200, r.text
        events += [json.loads(x["message"])["event"] for x in r.json()["items"]]
        cursor = r.json()["next_cursor"]
    assert events[0] == "registered" and "agent_started" in events and "startup_script_started" in events
    assert api.get(f"/v1/admin/nodes/{node_id}/logs", role=None, headers=fleet.customer).status_code == 403
    r = api.get(f"/v1/admin/nodes/node_{'0' * 26}/logs")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NODE_NOT_FOUND"
