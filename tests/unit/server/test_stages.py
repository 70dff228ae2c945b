from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
PROBE = "import json, app; print(json.dumps(sorted(app.app.routes)))"


def routes_for(stage: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"GPUAAS_STAGE": stage, "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return set(json.loads(out))


def test_the_dev_issuer_exists_only_in_the_local_stage():
    local = routes_for("local")
    assert "/v1/dev/token" in local
    for stage in ("dev", "prod"):
        routes = routes_for(stage)
        assert not any(r.startswith("/v1/dev") for r in routes), stage
        assert routes == {r for r in local if not r.startswith("/v1/dev")}
