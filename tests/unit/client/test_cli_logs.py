"""Logs in the SDK and the CLI, no server: pages and follow, `gpuaas logs` in each format, and
`allocations create --startup-script FILE`."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from gpuaas_client import Client
from gpuaas_client.cli import build_parser, main, parse_args
from responses import matchers

from tests.unit.client.api_samples import api_object
from tests.unit.client.conftest import BASE

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("config")]

ALC = "alc_" + "d" * 26
SKU = "sku_" + "a" * 26
IMAGE = "img_" + "b" * 26
URL = f"{BASE}/v1/allocations/{ALC}/logs"


def page(cursor: str, *messages: str) -> dict:
    items = [{"time": f"2026-11-26T12:00:0{i}.000Z", "message": m} for i, m in enumerate(messages)]
    return {"items": items, "next_cursor": cursor}


@pytest.fixture
def signed_in(config):
    config.put_api_key("default", BASE, "gpk_x")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_allocation_logs_reads_every_page_until_an_empty_one(http):
    http.get(
        URL, json=page("c1", "a", "b"), match=[matchers.query_param_matcher({"since": "2026-11-26T00:00:00.000Z"})]
    )
    http.get(
        URL,
        json=page("c2", "c"),
        match=[matchers.query_param_matcher({"cursor": "c1", "since": "2026-11-26T00:00:00.000Z"})],
    )
    http.get(
        URL,
        json=page("c2"),
        match=[matchers.query_param_matcher({"cursor": "c2", "since": "2026-11-26T00:00:00.000Z"})],
    )
    since = datetime(2026, 11, 26, tzinfo=UTC)
    assert [x.message for x in Client(BASE, api_key="gpk_x").allocation_logs(ALC, since=since)] == ["a", "b", "c"]
    assert len(http.calls) == 3


def test_following_asks_the_server_to_wait_after_the_first_page(http):
    http.get(URL, json=page("c1", "a"), match=[matchers.query_param_matcher({})])
    http.get(URL, json=page("c1"), match=[matchers.query_param_matcher({"cursor": "c1", "follow": "true"})])
    http.get(URL, json=page("c2", "late"), match=[matchers.query_param_matcher({"cursor": "c1", "follow": "true"})])
    lines = Client(BASE, api_key="gpk_x").allocation_logs(ALC, follow=True)
    assert [next(lines).message, next(lines).message] == ["a", "late"]  # the empty wait in between is invisible
    assert len(http.calls) == 3


def test_gpuaas_logs_prints_time_and_message_json_lines_or_messages(http, signed_in):
    for _ in range(3):
        http.get(URL, json=page("c1", "hello", "[gpuaas-agent] startup script exited with status 0"))
        http.get(URL, json=page("c1"))
    code, out, _ = run("logs", ALC)
    assert code == 0
    assert out.splitlines() == [
        "2026-11-26T12:00:00.000Z  hello",
        "2026-11-26T12:00:01.000Z  [gpuaas-agent] startup script exited with status 0",
    ]
    code, out, _ = run("logs", ALC, "--json")
    assert [json.loads(x) for x in out.splitlines()] == page(
        "c1", "hello", "[gpuaas-agent] startup script exited with status 0"
    )["items"]
    code, out, _ = run("logs", ALC, "--quiet")
    assert out == "hello\n[gpuaas-agent] startup script exited with status 0\n"


def test_gpuaas_logs_options_and_a_missing_allocation(http, signed_in):
    args = parse_args(build_parser(), ["logs", ALC, "-f", "--since", "2026-11-26T10:00:00Z"])
    assert args.follow is True and args.since == "2026-11-26T10:00:00Z"
    assert main(["logs", ALC, "--since", "yesterday"]) == 2
    assert main(["logs"]) == 2
    http.get(
        URL,
        status=404,
        json={"error": {"code": "ALLOCATION_NOT_FOUND", "message": "No such allocation", "request_id": "r"}},
    )
    code, _, err = run("logs", ALC)
    assert code == 4 and "ALLOCATION_NOT_FOUND" in err


def test_create_sends_the_startup_script_file(http, signed_in, tmp_path):
    script = tmp_path / "start.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    body = {"sku_id": SKU, "os_image_id": IMAGE, "count": 1, "startup_script": "#!/bin/sh\necho hi\n"}
    http.post(f"{BASE}/v1/allocations", status=202, json=api_object("Allocation", id=ALC, state="pending"),
              match=[matchers.json_params_matcher(body)])  # fmt: skip
    code, _, err = run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--startup-script", str(script))
    assert code == 0, err
    empty = tmp_path / "empty.sh"
    empty.write_text("")
    assert run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--startup-script", str(empty))[0] == 2
    assert (
        run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--startup-script", str(tmp_path / "no"))[0] == 2
    )
