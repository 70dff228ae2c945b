"""Allocations in the SDK and the CLI, no server: parsing, waiting, progress, ssh command building."""

from __future__ import annotations

import io
import json
import shlex
import stat
import uuid

import pytest
import requests
import responses
from gpuaas_client import Allocation, ApiError, Client, GpuaasError, Sku, TransportError, WaitTimeout, cli, sdk
from gpuaas_client._api.models import Connection
from gpuaas_client.cli import (
    Progress,
    UsageError,
    build_parser,
    format_step,
    main,
    parse_args,
    resolve_id,
    ssh_command,
)
from gpuaas_client.cli.commands import ssh as ssh_cli
from responses import matchers

from tests.unit.client.api_samples import api_object
from tests.unit.client.conftest import BASE

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("config")]

SKU = "sku_" + "a" * 26
IMAGE = "img_" + "b" * 26
KEY = "ssh_" + "c" * 26
ALC = "alc_01abc"
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMT2UcOCAaXQv63sORZJ5ZYsyIXSW/UMrAmysSy02S1j"
CONNECTION = {
    "host": "gpu-07.fleet",
    "port": 2222,
    "user": "gpuaas",
    "command": "ssh -p 2222 gpuaas@gpu-07.fleet",
    "known_hosts": f"[gpu-07.fleet]:2222 {HOST_KEY}",
    "host_key_fingerprint": "SHA256:lof5+pzPmx0ZTzKQR4VRKJ8L0gJM95JovNvI5v1V/ao",
}
CHECKS = ["-o", "StrictHostKeyChecking=yes"]


def allocation(state: str, **extra) -> dict:
    return api_object(
        "Allocation",
        **{
            "id": ALC,
            "name": "job",
            "sku_id": SKU,
            "os_image_id": IMAGE,
            "region": "us-east-1",
            "gpu_model": "H100-80GB-SXM",
            "count": 1,
            "gpus": 1,
            "price_per_hour_micros": 2_490_000,
            "currency": "USD",
            "state": state,
            "reason": None,
            "allowed_actions": ["release"] if state in ("pending", "provisioning", "active") else [],
            "connection": CONNECTION if state == "active" else None,
            "created_at": "2026-01-01T00:00:00.000Z",
            **extra,
        },
    )


def event(**fields) -> dict:
    return api_object("CloudEvent", **fields)


def envelope(code: str, message: str = "nope") -> dict:
    return {"error": {"code": code, "message": message, "request_id": "req-1"}}


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def signed_in(config):
    config.put_api_key("default", BASE, "gpk_x")


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(sdk.time, "sleep", lambda _seconds: None)


def client() -> tuple[Client, FakeTime]:
    c = Client(BASE, api_key="gpk_x")
    fake = FakeTime()
    c.sleep, c.clock = fake.sleep, fake.clock
    return c, fake


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# Parsing ------------------------------------------------------------------------------------


def test_create_options_and_defaults():
    args = parse_args(build_parser(), ["allocations", "create", "--sku", "h100", "--image", "ubuntu"])
    assert (args.sku, args.image, args.count, args.ssh_keys, args.name) == ("h100", "ubuntu", 1, None, None)
    assert args.wait is False and args.timeout == cli.DEFAULT_WAIT_SECONDS and args.idempotency_key is None
    args = parse_args(
        build_parser(),
        ["allocations", "create", "--sku", SKU, "--image", IMAGE, "--count", "2", "--ssh-key", "a", "--ssh-key", KEY,
         "--name", "job", "--wait", "--timeout", "2.5", "--json"],
    )  # fmt: skip
    assert args.count == 2 and args.ssh_keys == ["a", KEY] and args.name == "job"
    assert args.wait is True and args.timeout == 2.5 and args.json is True


@pytest.mark.parametrize(
    "argv",
    [
        ["allocations", "create", "--image", IMAGE],  # no --sku
        ["allocations", "create", "--sku", SKU],  # no --image
        ["allocations", "create", "--sku", SKU, "--image", IMAGE, "--count", "0"],
        ["allocations", "create", "--sku", SKU, "--image", IMAGE, "--timeout", "0"],
        ["allocations", "create", "--sku", SKU, "--image", IMAGE, "--timeout", "soon"],
        ["allocations", "create", "--sku", SKU, "--image", IMAGE, "--timeout", "inf"],
        ["allocations", "list", "--state", "running"],
        ["allocations", "get"],
        ["allocations", "release"],
        ["allocations"],
        ["ssh"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2


def test_ssh_arguments_after_double_dash_go_to_ssh():
    parser = build_parser()
    args = parse_args(parser, ["ssh", ALC, "--print", "--", "-L", "8888:localhost:8888", "--json", "nvidia-smi"])
    assert args.allocation_id == ALC and args.print is True and args.json is False
    assert args.ssh_args == ["-L", "8888:localhost:8888", "--json", "nvidia-smi"]
    args = parse_args(parser, ["--json", "ssh", ALC, "--", "-v"])
    assert args.json is True and args.print is False and args.ssh_args == ["-v"]
    assert parse_args(parser, ["ssh", ALC, "uptime"]).ssh_args == ["uptime"]
    assert parse_args(parser, ["ssh", ALC]).ssh_args == []


def test_list_state_choices_are_the_allocation_states():
    for state in sdk.ALLOCATION_STATES:
        assert parse_args(build_parser(), ["allocations", "list", "--state", state]).state == state


# Progress -----------------------------------------------------------------------------------


def test_format_step():
    assert format_step("pending", 0) == "pending 0.0s"
    assert format_step("active", 1.25) == "active 1.2s"
    assert format_step("provisioning", 61.06) == "provisioning 61.1s"


def test_progress_not_a_tty_prints_a_line_per_change():
    stream, fake = io.StringIO(), FakeTime()
    progress = Progress(stream, clock=fake.clock)
    assert progress.tty is False  # a StringIO is no terminal
    progress.update("pending")
    fake.now += 0.4
    progress.update("provisioning")
    progress.update("provisioning")  # no change, no line
    fake.now += 0.8
    progress(Allocation.from_dict(allocation("active")))
    progress.done()
    assert stream.getvalue() == "pending 0.0s\nprovisioning 0.4s\nactive 1.2s\n"
    assert progress.line() == "pending 0.0s -> provisioning 0.4s -> active 1.2s"
    assert progress.elapsed == pytest.approx(1.2)


def test_progress_on_a_tty_rewrites_one_line():
    stream, fake = io.StringIO(), FakeTime()
    progress = Progress(stream, tty=True, clock=fake.clock)
    progress.update("pending")
    fake.now += 0.4
    progress.update("provisioning")
    fake.now += 0.8
    progress.update("active")
    progress.done()
    progress.done()  # once only
    assert stream.getvalue() == (
        "\r\x1b[Kpending 0.0s"
        "\r\x1b[Kpending 0.0s -> provisioning 0.4s"
        "\r\x1b[Kpending 0.0s -> provisioning 0.4s -> active 1.2s\n"
    )


def test_progress_done_without_steps_writes_nothing():
    stream = io.StringIO()
    Progress(stream, tty=True).done()
    assert stream.getvalue() == ""


# SSH ----------------------------------------------------------------------------------------


def test_ssh_command_checks_the_host_key_against_the_clis_own_file(tmp_path):
    kh = tmp_path / "known_hosts"
    known = ["-o", f"UserKnownHostsFile={kh}"]
    conn = Connection.from_dict(CONNECTION)
    assert ssh_command(conn, kh) == ["ssh", "-p", "2222", *CHECKS, *known, "gpuaas@gpu-07.fleet"]
    assert ssh_command(conn, kh, ["-L", "8888:localhost:8888"], identity="/k/id") == [
        "ssh", "-p", "2222", *CHECKS, *known, "-i", "/k/id", "-o", "IdentitiesOnly=yes",
        "gpuaas@gpu-07.fleet", "-L", "8888:localhost:8888",
    ]  # fmt: skip
    relayed = ssh_command(conn, kh, proxy_command="gpuaas relay %h %p")  # the seam a relay option uses
    assert relayed[-3:] == ["-o", "ProxyCommand=gpuaas relay %h %p", "gpuaas@gpu-07.fleet"]
    connection = {**CONNECTION, "host": "10.0.0.7", "port": 22, "user": "root"}
    assert ssh_command(Connection.from_dict(connection), kh)[-1] == "root@10.0.0.7"


@pytest.mark.parametrize(
    "bad",
    [
        {"host": "-oProxyCommand=touch /tmp/x"},
        {"host": ""},
        {"host": "a b"},
        {"host": "a\nb"},
        {"host": None},
        {"user": "-l"},
        {"user": "a@b"},
        {"port": "22"},
        {"port": True},
        {"port": 0},
        {"port": 65536},
        {"port": None},
    ],
)
def test_ssh_command_refuses_what_ssh_would_misread(bad, tmp_path):
    with pytest.raises(GpuaasError, match="unusable ssh"):
        ssh_command(Connection.from_dict({**CONNECTION, **bad}), tmp_path / "kh")


@pytest.mark.parametrize(
    "line",
    [
        f"[gpu-07.fleet]:2222 {HOST_KEY}\n[evil.fleet]:22 {HOST_KEY}",  # a second line smuggled in
        f"[other.fleet]:2222 {HOST_KEY}",  # another host's line
        f"[gpu-07.fleet]:2223 {HOST_KEY}",
        f"gpu-07.fleet {HOST_KEY}",  # port 22's form, for port 2222
        "[gpu-07.fleet]:2222 ssh-ed25519",
        "@cert-authority * ssh-ed25519 AAAA",
    ],
)
def test_a_known_hosts_line_that_is_not_exactly_this_hosts_is_refused(line):
    with pytest.raises(GpuaasError, match="unusable known_hosts"):
        ssh_cli.known_hosts_line(Connection.from_dict({**CONNECTION, "known_hosts": line}))
    with pytest.raises(GpuaasError, match="no host key"):
        ssh_cli.known_hosts_line(Connection.from_dict({**CONNECTION, "known_hosts": None}))


def test_host_keys_replace_the_line_of_the_same_host_and_port_and_the_file_is_private(tmp_path):
    path = tmp_path / "conf" / "known_hosts"
    ssh_cli.remember_host_keys(path, [f"[a]:1 {HOST_KEY}", f"[b]:2 {HOST_KEY}"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ4mX1o0cBf3zq8w9m9Tq2b0m6Jd5xK7bqF0n3Yt8uVw"
    ssh_cli.remember_host_keys(path, [f"[a]:1 {other}"])  # the port came back with another allocation
    assert path.read_text() == f"[b]:2 {HOST_KEY}\n[a]:1 {other}\n"


def test_ssh_config_stanzas_name_allocations_and_pin_their_host_keys(tmp_path):
    kh = tmp_path / "my dir" / "known_hosts"
    stanza = ssh_cli.ssh_config_stanza("gpuaas-job", Connection.from_dict(CONNECTION), kh, identity="/k/id")
    assert stanza.splitlines() == [
        "Host gpuaas-job",
        "    HostName gpu-07.fleet",
        "    Port 2222",
        "    User gpuaas",
        f'    UserKnownHostsFile "{kh}"',
        "    StrictHostKeyChecking yes",
        "    IdentityFile /k/id",
        "    IdentitiesOnly yes",
    ]
    two = [Allocation.from_dict(allocation("active", id=f"alc_{i}", name=n)) for i, n in enumerate(["a", "b", "b"])]
    assert ssh_cli.aliases(two) == {"alc_0": "gpuaas-a", "alc_1": "gpuaas-alc_1", "alc_2": "gpuaas-alc_2"}


# Resolving names ----------------------------------------------------------------------------


def test_resolve_id_takes_an_id_as_it_is_without_listing():
    def fetch():
        raise AssertionError("an id needs no lookup")

    assert resolve_id("SKU", SKU, cli.SKU_ID, fetch, "gpuaas skus") == SKU


def test_resolve_id_by_name():
    items = [Sku.from_dict(api_object("Sku", id=i, name=n)) for i, n in ((SKU, "h100-x1"), ("sku_other", "h100-x8"))]
    assert resolve_id("SKU", "h100-x1", cli.SKU_ID, lambda: items, "gpuaas skus") == SKU
    with pytest.raises(UsageError, match=r"no SKU named 'b200' \(see `gpuaas skus`\)"):
        resolve_id("SKU", "b200", cli.SKU_ID, lambda: items, "gpuaas skus")
    with pytest.raises(UsageError, match="2 SKUs are named 'h100-x1'"):
        resolve_id(
            "SKU",
            "h100-x1",
            cli.SKU_ID,
            lambda: [*items, Sku.from_dict(api_object("Sku", id="sku_3", name="h100-x1"))],
            "gpuaas skus",
        )


# SDK ----------------------------------------------------------------------------------------


def test_create_allocation_sends_a_uuid4_idempotency_key_and_the_body(http):
    http.post(
        f"{BASE}/v1/allocations",
        status=202,
        json=allocation("pending"),
        match=[matchers.json_params_matcher({"sku_id": SKU, "os_image_id": IMAGE, "count": 1})],
    )
    assert Client(BASE, api_key="gpk_x").create_allocation(SKU, IMAGE).state == "pending"
    key = http.calls[0].request.headers["Idempotency-Key"]
    assert uuid.UUID(key).version == 4


def test_create_allocation_reuses_its_key_on_its_own_retries(http):
    body = {"sku_id": SKU, "os_image_id": IMAGE, "count": 2, "ssh_key_ids": [KEY], "name": "job"}
    url = f"{BASE}/v1/allocations"
    http.post(url, body=requests.ConnectionError("reset"))
    http.post(url, status=503, json=envelope("SERVICE_UNAVAILABLE"))
    http.post(url, status=409, json=envelope("IDEMPOTENCY_IN_PROGRESS"))
    http.post(url, status=202, json=allocation("pending"), match=[matchers.json_params_matcher(body)])
    c, fake = client()
    created = c.create_allocation(SKU, IMAGE, 2, ssh_key_ids=[KEY], name="job", idempotency_key="my-key")
    assert created.id == ALC
    assert [call.request.headers["Idempotency-Key"] for call in http.calls] == ["my-key"] * 4
    assert fake.slept == list(sdk.RETRY_DELAYS)


def test_create_allocation_gives_up_after_the_retries(http):
    http.post(f"{BASE}/v1/allocations", status=503, json=envelope("SERVICE_UNAVAILABLE"))
    c, _ = client()
    with pytest.raises(ApiError) as caught:
        c.create_allocation(SKU, IMAGE)
    assert caught.value.status == 503 and len(http.calls) == 1 + len(sdk.RETRY_DELAYS)
    assert len({call.request.headers["Idempotency-Key"] for call in http.calls}) == 1


@pytest.mark.parametrize(
    ("status", "code"), [(409, "INSUFFICIENT_CAPACITY"), (422, "NO_SSH_KEYS"), (400, "VALIDATION_ERROR")]
)
def test_create_allocation_does_not_retry_a_refusal(http, status, code):
    http.post(f"{BASE}/v1/allocations", status=status, json=envelope(code))
    with pytest.raises(ApiError) as caught:
        client()[0].create_allocation(SKU, IMAGE)
    assert caught.value.code == code and len(http.calls) == 1


def test_release_get_events_and_list_follow_pages(http):
    http.post(f"{BASE}/v1/allocations/{ALC}/release", status=502, body="bad gateway")
    http.post(f"{BASE}/v1/allocations/{ALC}/release", status=202, json=allocation("releasing"))
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active"))
    http.get(
        f"{BASE}/v1/allocations",
        json={"items": [allocation("active")], "next_cursor": "c1"},
        match=[matchers.query_param_matcher({"state": "active"})],
    )
    http.get(
        f"{BASE}/v1/allocations",
        json={"items": [allocation("active", id="alc_2")], "next_cursor": None},
        match=[matchers.query_param_matcher({"state": "active", "cursor": "c1"})],
    )
    http.get(
        f"{BASE}/v1/allocations/{ALC}/events",
        json={"items": [event(id="e1", type="allocation.requested", time="t", data={})], "next_cursor": None},
    )
    c, _ = client()
    assert c.release_allocation(ALC).state == "releasing"
    keys = [call.request.headers.get("Idempotency-Key") for call in http.calls]
    assert keys[0] and keys == [keys[0]] * 2
    connection = c.get_allocation(ALC).connection
    assert connection is not None and connection.to_dict() == CONNECTION
    assert [a.id for a in c.list_allocations(state="active")] == [ALC, "alc_2"]
    assert [e.type_ for e in c.allocation_events(ALC)] == ["allocation.requested"]


def test_wait_for_allocation_reports_each_change_and_returns_when_wanted(http):
    url = f"{BASE}/v1/allocations/{ALC}"
    for state in ("pending", "pending", "provisioning", "provisioning", "provisioning", "active"):
        http.get(url, json=allocation(state))
    c, fake = client()
    seen: list[str] = []
    done = c.wait_for_allocation(ALC, ["active"], 60, on_change=lambda a: seen.append(a.state))
    assert done.state == "active" and seen == ["pending", "provisioning", "active"]
    assert len(http.calls) == 6
    # Back off while nothing changes, start over at the short interval on a change.
    assert fake.slept == pytest.approx([0.2, 0.3, 0.2, 0.3, 0.45])


def test_wait_for_allocation_stops_at_a_final_state(http):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("failed", reason="image pull failed"))
    done = client()[0].wait_for_allocation(ALC, ["active"], 60)
    assert done.state == "failed" and done.reason == "image pull failed"


def test_wait_for_allocation_times_out_with_the_last_allocation(http):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("provisioning"))
    c, fake = client()
    with pytest.raises(WaitTimeout) as caught:
        c.wait_for_allocation(ALC, ["active"], timeout=5)
    assert caught.value.allocation.state == "provisioning" and caught.value.timeout == 5
    assert "still provisioning after 5 seconds" in str(caught.value)
    assert sum(fake.slept) == pytest.approx(5) and max(fake.slept) <= 2.0


def test_wait_for_allocation_waits_out_transient_errors(http):
    url = f"{BASE}/v1/allocations/{ALC}"
    http.get(url, json=allocation("provisioning"))
    http.get(url, body=requests.ConnectionError("refused"))
    http.get(url, status=429, json=envelope("RATE_LIMITED"), headers={"Retry-After": "3"})
    http.get(url, status=503, json=envelope("SERVICE_UNAVAILABLE"))
    http.get(url, json=allocation("active"))
    c, fake = client()
    assert c.wait_for_allocation(ALC, ["active"], 60).state == "active"
    assert 3.0 in fake.slept  # Retry-After is honoured


def test_wait_for_allocation_raises_what_is_not_transient(http):
    http.get(f"{BASE}/v1/allocations/{ALC}", status=404, json=envelope("ALLOCATION_NOT_FOUND"))
    with pytest.raises(ApiError, match="ALLOCATION_NOT_FOUND"):
        client()[0].wait_for_allocation(ALC, ["active"], 60)


def test_wait_for_allocation_never_reached_raises_the_error():
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/v1/allocations/{ALC}", body=requests.ConnectionError("refused"))
        c, _ = client()
        with pytest.raises(TransportError):
            c.wait_for_allocation(ALC, ["active"], timeout=1)


# CLI ----------------------------------------------------------------------------------------


def test_create_wait_prints_progress_and_how_to_connect(http, signed_in, no_sleep):
    http.post(f"{BASE}/v1/allocations", status=202, json=allocation("pending"))
    for state in ("pending", "provisioning", "active"):
        http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation(state))
    code, out, err = run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--wait")
    assert code == 0, err
    assert [line.split()[0] for line in err.splitlines()] == ["pending", "provisioning", "active"]
    assert f"Allocation {ALC} is active" in out
    assert "Connect: ssh -p 2222 gpuaas@gpu-07.fleet" in out and f"gpuaas ssh {ALC}" in out


def test_create_resolves_names(http, signed_in):
    http.get(f"{BASE}/v1/skus", json={"items": [api_object("Sku", id=SKU, name="h100-x1")], "next_cursor": None})
    http.get(
        f"{BASE}/v1/os-images", json={"items": [api_object("OsImage", id=IMAGE, name="ubuntu-22")], "next_cursor": None}
    )
    http.get(f"{BASE}/v1/ssh-keys", json={"items": [api_object("SshKey", id=KEY, name="laptop")], "next_cursor": None})
    body = {"sku_id": SKU, "os_image_id": IMAGE, "count": 1, "ssh_key_ids": [KEY, KEY]}
    http.post(
        f"{BASE}/v1/allocations",
        status=202,
        json=allocation("pending"),
        match=[matchers.json_params_matcher(body), matchers.header_matcher({"Idempotency-Key": "k1"})],
    )
    code, out, err = run(
        "allocations", "create", "--sku", "h100-x1", "--image", "ubuntu-22", "--ssh-key", "laptop",
        "--ssh-key", KEY, "--idempotency-key", "k1", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["state"] == "pending"
    assert sum(call.request.url.startswith(f"{BASE}/v1/ssh-keys") for call in http.calls) == 1  # listed once


def test_create_with_an_unknown_name_is_a_usage_error(http, signed_in):
    http.get(f"{BASE}/v1/skus", json={"items": [], "next_cursor": None})
    code, _, err = run("allocations", "create", "--sku", "b200", "--image", IMAGE)
    assert code == 2 and "no SKU named 'b200'" in err


def test_create_wait_failed_exits_1_with_the_reason(http, signed_in, no_sleep):
    http.post(f"{BASE}/v1/allocations", status=202, json=allocation("pending"))
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("failed", reason="image pull failed"))
    code, out, err = run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--wait")
    assert code == 1 and out == ""
    assert err.splitlines()[-1] == f"error: allocation {ALC} failed: image pull failed"
    code, out, _ = run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--wait", "--json")
    assert code == 1 and json.loads(out)["state"] == "failed"


def test_create_wait_timeout_exits_1(http, signed_in):
    http.post(f"{BASE}/v1/allocations", status=202, json=allocation("pending"))
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("provisioning"))
    code, out, err = run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--wait", "--timeout", "0.05")
    assert code == 1 and out == ""
    assert f"timed out after 0.05s: allocation {ALC} is still provisioning" in err


def test_create_refused_prints_the_error_and_a_hint(http, signed_in):
    http.post(f"{BASE}/v1/allocations", status=422, json=envelope("NO_SSH_KEYS", "Add an SSH key first"))
    code, _, err = run("allocations", "create", "--sku", SKU, "--image", IMAGE, "--wait")
    assert code == 1
    assert err.splitlines() == [
        "error NO_SSH_KEYS: Add an SSH key first (req-1)",
        "hint: add one first: gpuaas ssh-keys add NAME ~/.ssh/id_ed25519.pub",
    ]


def test_release_wait(http, signed_in, no_sleep):
    http.post(f"{BASE}/v1/allocations/{ALC}/release", status=202, json=allocation("releasing"))
    for state in ("releasing", "released"):
        http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation(state))
    code, out, err = run("allocations", "release", ALC, "--wait")
    assert code == 0, err
    assert [line.split()[0] for line in err.splitlines()] == ["releasing", "released"]
    assert out.startswith(f"Released {ALC} (")


def test_list_get_and_events_tables(http, signed_in):
    http.get(f"{BASE}/v1/allocations", json={"items": [allocation("active")], "next_cursor": None})
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active"))
    http.get(
        f"{BASE}/v1/allocations/{ALC}/events",
        json={
            "items": [event(id="e1", type="allocation.failed", time="t1", data={"state": "failed", "reason": "x"})],
            "next_cursor": None,
        },
    )
    code, out, _ = run("allocations", "list")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ID", "NAME", "STATE"]
    assert "$2.49" in out and "1 x H100-80GB-SXM" in out
    code, out, _ = run("allocations", "get", ALC)
    assert code == 0 and "connect:" in out and CONNECTION["command"] in out
    code, out, _ = run("allocations", "events", ALC)
    assert code == 0 and out.splitlines()[1].split() == ["t1", "allocation.failed", "failed", "x"]


def test_ssh_writes_the_apis_known_hosts_line_and_execs_ssh_checking_it(http, signed_in, config, monkeypatch):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active"))
    calls = []
    monkeypatch.setattr(cli.os, "execvp", lambda file, argv: calls.append((file, argv)))
    code, _, _ = run("ssh", ALC, "--", "-A", "nvidia-smi")
    kh = config.directory / "known_hosts"
    assert calls == [
        ("ssh", ["ssh", "-p", "2222", *CHECKS, "-o", f"UserKnownHostsFile={kh}", "gpuaas@gpu-07.fleet", "-A",
                 "nvidia-smi"]),
    ]  # fmt: skip
    assert kh.read_text() == CONNECTION["known_hosts"] + "\n"
    assert stat.S_IMODE(kh.stat().st_mode) == 0o600
    assert code == 1  # only reached because execvp was replaced


def test_ssh_print_and_identity(http, signed_in, config, tmp_path):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active"))
    kh = config.directory / "known_hosts"
    base = f"ssh -p 2222 -o StrictHostKeyChecking=yes -o UserKnownHostsFile={kh}"
    assert run("ssh", ALC, "--print") == (0, f"{base} gpuaas@gpu-07.fleet\n", "")
    _, out, _ = run("ssh", ALC, "--print", "--", "echo", "a b")
    assert out == f"{base} gpuaas@gpu-07.fleet echo 'a b'\n"
    key = tmp_path / "id_test"
    key.write_text("private")
    _, out, _ = run("ssh", ALC, "-i", str(key), "--print", "--json")
    assert json.loads(out)["argv"][-5:] == ["-i", str(key), "-o", "IdentitiesOnly=yes", "gpuaas@gpu-07.fleet"]
    code, _, err = run("ssh", ALC, "-i", str(tmp_path / "missing"), "--print")
    assert code == 1 and "no such key file" in err


def test_ssh_relay_tunnels_through_ssh_proxy_for_this_profile_and_still_checks_the_host_key(http, signed_in, config):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active"))
    _, out, _ = run("ssh", ALC, "--relay", "--print", "--json")
    argv = json.loads(out)["argv"]
    [proxy] = [a.removeprefix("ProxyCommand=") for a in argv if a.startswith("ProxyCommand=")]
    words = shlex.split(proxy)
    assert words[:2] == ["env", f"GPUAAS_CONFIG_DIR={config.directory}"]
    assert words[3:] == ["-m", "gpuaas_client.cli", "--profile", "default", "--api-url", BASE, "ssh-proxy", ALC]
    assert "StrictHostKeyChecking=yes" in argv and argv[-1] == "gpuaas@gpu-07.fleet"


def test_ssh_refuses_a_host_without_a_reported_host_key(http, signed_in, monkeypatch):
    connection = {**CONNECTION, "known_hosts": None, "host_key_fingerprint": None}
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active", connection=connection))
    monkeypatch.setattr(cli.os, "execvp", lambda *_: pytest.fail("must not exec"))
    code, _, err = run("ssh", ALC)
    assert code == 1 and "no host key" in err


def test_ssh_config_prints_a_block_per_active_allocation(http, signed_in, config):
    other = {**CONNECTION, "port": 2300, "known_hosts": f"[gpu-07.fleet]:2300 {HOST_KEY}"}
    page = {
        "items": [
            allocation("active", name="train"),
            allocation("active", id="alc_02xyz", name="alc_02xyz", connection=other),
        ],
        "next_cursor": None,
    }
    http.get(f"{BASE}/v1/allocations", json=page, match=[matchers.query_param_matcher({"state": "active"})])
    code, out, _ = run("ssh-config")
    kh = config.directory / "known_hosts"
    assert code == 0
    assert out.split("\n\n")[0].splitlines() == [
        "Host gpuaas-train", "    HostName gpu-07.fleet", "    Port 2222", "    User gpuaas",
        f"    UserKnownHostsFile {kh}", "    StrictHostKeyChecking yes",
    ]  # fmt: skip
    assert "Host gpuaas-alc_02xyz" in out and "    Port 2300" in out
    assert kh.read_text().splitlines() == [CONNECTION["known_hosts"], other["known_hosts"]]


@pytest.mark.parametrize(
    ("state", "reason", "message"),
    [
        ("provisioning", None, f"allocation {ALC} is provisioning, not active; wait for it"),
        ("failed", "no capacity", f"allocation {ALC} is failed (no capacity), not active"),
        ("released", None, f"allocation {ALC} is released, not active"),
    ],
)
def test_ssh_refuses_an_allocation_that_is_not_active(http, signed_in, monkeypatch, state, reason, message):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation(state, reason=reason))
    monkeypatch.setattr(cli.os, "execvp", lambda *_: pytest.fail("must not exec"))
    code, out, err = run("ssh", ALC)
    assert code == 1 and out == "" and err.startswith(f"error: {message}")


def test_ssh_without_an_ssh_binary_fails_clearly(http, signed_in, monkeypatch):
    http.get(f"{BASE}/v1/allocations/{ALC}", json=allocation("active"))

    def missing(*_):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(cli.os, "execvp", missing)
    code, _, err = run("ssh", ALC)
    assert code == 1 and err == "error: cannot run ssh: No such file or directory\n"


def test_allocations_need_a_sign_in():
    code, _, err = run("allocations", "list")
    assert code == 1 and "not signed in" in err


def test_set_ssh_keys_resolves_names_and_puts_the_ids(http, signed_in):
    keys = {"items": [api_object("SshKey", id=KEY, name="laptop")], "next_cursor": None}
    http.get(f"{BASE}/v1/ssh-keys", json=keys)
    http.put(
        f"{BASE}/v1/allocations/{ALC}/ssh-keys",
        json=allocation("active", ssh_key_ids=[KEY]),
        match=[matchers.json_params_matcher({"ssh_key_ids": [KEY]})],
    )
    code, out, err = run("allocations", "set-ssh-keys", ALC, "--ssh-key", "laptop")
    assert (code, err) == (0, "") and "1 key(s)" in out
    code, _, err = run("allocations", "set-ssh-keys", ALC)
    assert code == 2 and "--ssh-key" in err
