"""The agent package stands alone, and every document it sends matches the protocol's schemas in events/agent/."""

from __future__ import annotations

import ast
import json
import signal
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[3]
AGENT_DIR = ROOT / "node_agent"
if str(AGENT_DIR) not in sys.path:  # works without `pip install -e ./node_agent` too
    sys.path.append(str(AGENT_DIR))

from gpuaas_agent import commands  # noqa: E402
from gpuaas_agent.agent import Agent  # noqa: E402
from gpuaas_agent.control_plane import ControlPlane  # noqa: E402
from gpuaas_agent.executors.sandbox import SandboxExecutor  # noqa: E402
from gpuaas_agent.state import StateStore  # noqa: E402
from gpuaas_agent.telemetry import NvmlSource, SimulatedNvml  # noqa: E402
from gpuaas_agent.timeutil import isoformat, utcnow  # noqa: E402

pytestmark = pytest.mark.unit

SCHEMA_DIR = ROOT / "events" / "agent"
SCHEMAS = {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
REGISTRY = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values())
FORBIDDEN = {"chalicelib", "app", "functions", "localcloud", "gpuaas_client", "tests", "bench"}
NODE = "node_" + "a" * 26


def check(name: str, document: Any) -> None:
    validator = jsonschema.Draft202012Validator(
        SCHEMAS[name], registry=REGISTRY, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


# Packaging ----------------------------------------------------------------------------------------------


def test_the_agent_source_imports_nothing_from_the_server():
    sources = [*AGENT_DIR.joinpath("gpuaas_agent").rglob("*.py"), *AGENT_DIR.joinpath("scripts").glob("*.py")]
    assert len(sources) >= 10
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "import_module",
                "__import__",
            }:
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            assert not {n.split(".")[0] for n in names} & FORBIDDEN, f"{path} imports {names}"


def test_importing_the_agent_loads_no_server_module(tmp_path):
    code = (
        "import sys, gpuaas_agent.cli, gpuaas_agent.agent, gpuaas_agent.telemetry, gpuaas_agent.executors;"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    env = {"PYTHONPATH": str(AGENT_DIR), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_distribution_is_declared_as_specified():
    project = tomllib.loads((AGENT_DIR / "pyproject.toml").read_text())
    meta = project["project"]
    assert meta["name"] == "gpuaas-agent"
    assert meta["requires-python"] == ">=3.11"
    assert meta["scripts"] == {"gpuaas-agent": "gpuaas_agent.cli:main"}
    deps = {d.split(">")[0].split("=")[0].split("<")[0].strip(): d for d in meta["dependencies"]}
    assert set(deps) == {"boto3", "requests", "nvidia-ml-py", "websockets"}
    assert all("<" in d and ">=" in d for d in deps.values()), "pinned ranges"
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"


def test_the_cli_parses_the_documented_flags(tmp_path):
    from gpuaas_agent.cli import build_parser

    args = build_parser().parse_args(
        ["run", "--api-url", "https://cp", "--state-dir", str(tmp_path), "--bootstrap-token", "gpb_x",
         "--executor", "docker", "--sandbox-root", str(tmp_path / "r"), "--simulate-gpus", "8",
         "--simulate-model", "H100-80GB-SXM"]
    )  # fmt: skip
    assert (args.executor, args.simulate_gpus, args.bootstrap_token) == ("docker", 8, "gpb_x")


def test_the_ssh_address_and_port_range_are_options(tmp_path, monkeypatch):
    from gpuaas_agent.cli import build_parser

    base = ["run", "--api-url", "https://cp", "--state-dir", str(tmp_path)]
    monkeypatch.delenv("GPUAAS_SSH_HOST", raising=False)
    args = build_parser().parse_args(base)
    assert (args.ssh_host, args.ssh_port_range, args.ssh_listen_address) == (None, (20000, 39999), None)
    args = build_parser().parse_args([*base, "--ssh-host", "gpu-7.example.com", "--ssh-port-range", "30000-30099"])
    assert (args.ssh_host, args.ssh_port_range) == ("gpu-7.example.com", (30000, 30099))
    monkeypatch.setenv("GPUAAS_SSH_HOST", "203.0.113.7")
    assert build_parser().parse_args(base).ssh_host == "203.0.113.7"
    for bad in ("30000", "2-1", "0-10", "a-b"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([*base, "--ssh-port-range", bad])


def test_the_cli_refuses_plain_http_to_a_remote_control_plane(tmp_path):
    from gpuaas_agent.cli import main

    assert main(["run", "--api-url", "http://cp.example.com", "--state-dir", str(tmp_path)]) == 2


def test_the_cli_without_credentials_or_token_exits_2(tmp_path):
    from gpuaas_agent.cli import main

    argv = ["run", "--api-url", "https://cp.example.com", "--state-dir", str(tmp_path), "--simulate-gpus", "1"]
    before = signal.getsignal(signal.SIGINT)
    assert main(argv) == 2
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored on the way out


# Schemas and samples ------------------------------------------------------------------------------------

EXPECTED = {
    "command.v1",
    "provision.payload.v1",
    "release.payload.v1",
    "open_terminal.payload.v1",
    "sync_keys.payload.v1",
    "result.v1",
    "heartbeat.v1",
    "register.request.v1",
    "register.response.v1",
    "credentials.response.v1",
    "logs.request.v1",
    "logs.response.v1",
}


def test_every_schema_is_valid_2020_12_and_has_a_valid_sample():
    assert set(SCHEMAS) == EXPECTED
    for name, schema in SCHEMAS.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
        check(name, json.loads((SCHEMA_DIR / "samples" / f"{name}.json").read_text()))


def test_the_command_schema_checks_the_payload_by_type():
    sample = json.loads((SCHEMA_DIR / "samples" / "command.v1.json").read_text())
    with pytest.raises(AssertionError):
        check("command.v1", {**sample, "type": "release"})  # a provision payload is not a release payload
    check("command.v1", {**sample, "type": "release", "payload": {"allocation_id": sample["payload"]["allocation_id"]}})


def test_the_agent_accepts_the_sample_command_and_agrees_with_the_schema_on_bad_payloads():
    sample = json.loads((SCHEMA_DIR / "samples" / "command.v1.json").read_text())
    fresh = {**sample, "expires_at": isoformat(utcnow() + timedelta(minutes=5))}
    commands.validate(fresh, sample["node_id"], utcnow())
    for bad in ({"ssh_user": "root"}, {"allocation_id": "alc_x"}, {"ssh_public_keys": ["not a key"]}):
        doc = {**fresh, "payload": {**fresh["payload"], **bad}}
        with pytest.raises(commands.Rejected):
            commands.validate(doc, sample["node_id"], utcnow())
        with pytest.raises(AssertionError):
            check("command.v1", doc)


# The agent's outgoing documents -------------------------------------------------------------------------


class NoNvml:
    NVMLError = Exception

    def nvmlInit(self) -> None:
        raise OSError("NVML Shared Library Not Found")


def make_agent(tmp_path: Path, gpus: NvmlSource) -> Agent:
    agent = Agent(
        ControlPlane("https://cp.example.com"),
        StateStore(tmp_path / "state"),
        gpus,
        SandboxExecutor(tmp_path / "root", "gpu-01"),
        hostname="GPU_Host-01.",
        bootstrap_token="gpb_0123456789abcdef_" + "x" * 43,
        heartbeats=False,
    )
    agent.credentials = {"node_id": NODE}
    return agent


def test_registration_and_heartbeats_match_their_schemas(tmp_path):
    fake = SimulatedNvml(4, "H100-80GB-SXM", seed="gpu-01")
    agent = make_agent(tmp_path, NvmlSource(fake))
    registration = agent.registration_document()
    check("register.request.v1", registration)
    assert registration["hostname"] == "gpu-host-01"
    assert registration["protocol_versions"] == [1] and len(registration["gpus"]) == 4
    fake.inject_xid(2)
    beat = agent.heartbeat_document()
    check("heartbeat.v1", beat)
    assert [g["xid_errors"] for g in beat["gpus"]] == [0, 0, 1, 0]
    no_driver = make_agent(tmp_path, NvmlSource(NoNvml())).heartbeat_document()
    check("heartbeat.v1", no_driver)
    assert no_driver["nvml"]["available"] is False and no_driver["gpus"] == []
    check("register.request.v1", make_agent(tmp_path, NvmlSource(NoNvml())).registration_document())


@pytest.mark.parametrize(
    "change",
    [
        {"protocol_version": 9},
        {"node_id": "node_" + "b" * 26},
        {"expires_at": "2020-01-01T00:00:00Z"},
        {"type": "reboot"},
    ],
)
def test_rejections_match_the_result_schema(tmp_path, change):
    sample = json.loads((SCHEMA_DIR / "samples" / "command.v1.json").read_text())
    command = {**sample, "node_id": NODE, "expires_at": isoformat(utcnow() + timedelta(minutes=5)), **change}
    processor = commands.CommandProcessor(StateStore(tmp_path), SandboxExecutor(tmp_path / "r", "h"), NODE)
    check("result.v1", processor.process(command))


def test_results_of_real_executions_match_the_result_schema(tmp_path):
    sample = json.loads((SCHEMA_DIR / "samples" / "command.v1.json").read_text())
    command = {**sample, "node_id": NODE, "expires_at": isoformat(utcnow() + timedelta(minutes=5))}
    processor = commands.CommandProcessor(StateStore(tmp_path), SandboxExecutor(tmp_path / "r", "gpu-01"), NODE)
    provisioned = processor.process(command)
    assert provisioned["status"] == "succeeded"
    check("result.v1", provisioned)
    released = processor.process(
        {**command, "command_id": "cmd_" + "9" * 26, "type": "release",
         "payload": {"allocation_id": command["payload"]["allocation_id"]}}
    )  # fmt: skip
    assert released["output"] == {"wiped": True}
    check("result.v1", released)
    check("result.v1", commands.result("failed", "executor_error: docker run failed: boom"))
