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


def test_the_payment_stand_in_is_honoured_on_the_local_stage_only_and_only_without_a_stripe_key():
    from chalicelib.core.settings import load_settings

    named = {"GPUAAS_PAYMENT_STAND_IN": "localcloud.local_stripe"}
    assert load_settings({**named, "GPUAAS_STAGE": "local"}).payment_stand_in == "localcloud.local_stripe"
    assert load_settings({**named, "GPUAAS_STAGE": "prod"}).payment_stand_in == ""
    for key in ("GPUAAS_STRIPE_SECRET_KEY", "GPUAAS_STRIPE_SECRET_KEY_SECRET_ID"):
        assert load_settings({**named, "GPUAAS_STAGE": "local", key: "sk_test_1"}).payment_stand_in == ""


def test_a_secret_given_directly_wins_and_only_a_secret_id_is_looked_up(monkeypatch):
    from chalicelib.adapters import secrets

    looked_up: list[str] = []
    monkeypatch.setattr(secrets, "secret_string", lambda secret_id: looked_up.append(secret_id) or "from-store")
    assert secrets.resolve("inline", "arn:secret") == "inline"
    assert secrets.resolve("", "") == ""
    assert secrets.resolve("", "arn:secret") == "from-store"
    assert looked_up == ["arn:secret"]
