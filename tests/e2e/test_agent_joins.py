"""The real gpuaas-agent joins the local cloud: bootstrap token -> register -> queue credentials -> heartbeat."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.helpers import items_of_type, sku_body

pytestmark = pytest.mark.e2e


def test_a_real_agent_registers_polls_and_heartbeats(api, cloud, tmp_path):
    sku = api.post("/v1/admin/skus", json=sku_body(gpus=2, name="h100-x2-agents")).json()
    token = api.post("/v1/admin/bootstrap-tokens", json={"sku_id": sku["id"], "ttl_seconds": 600}).json()["token"]
    argv = [
        sys.executable,
        "-c",
        "import sys; from gpuaas_agent.cli import main; sys.exit(main())",
        "run",
        "--api-url",
        cloud.api_url,
        "--state-dir",
        str(tmp_path / "state"),
        "--bootstrap-token",
        token,
        "--simulate-gpus",
        "8",
        "--hostname",
        "gpu-agent-01.fleet",
    ]
    agent = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    table = get_settings().table_name
    try:
        deadline = time.monotonic() + 30
        beats = []
        while time.monotonic() < deadline and not beats:
            beats = items_of_type(table, "node_agent")
            time.sleep(0.2)
        assert beats, "no heartbeat arrived"
        beat = beats[0]
        assert beat["nvml"]["S"]  # telemetry stored as the agent sent it
        nodes = items_of_type(table, "node")
        assert [n["hostname"]["S"] for n in nodes] == ["gpu-agent-01.fleet"]
        assert api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"] == 4
        assert (tmp_path / "state" / "credentials.json").stat().st_mode & 0o777 == 0o600
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            code = agent.wait(timeout=60)
        except subprocess.TimeoutExpired:
            agent.kill()
            raise
        output = agent.stdout.read()
    assert code == 0, output
    assert "agent_stopped" in output
