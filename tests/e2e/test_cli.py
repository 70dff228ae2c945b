"""The gpuaas command line end to end: in process, against the local cloud's real API."""

from __future__ import annotations

import io
import json

import pytest
import requests
from gpuaas_client.cli import main
from gpuaas_client.credentials import CredentialStore

from tests.e2e.helpers import sku_body

pytestmark = pytest.mark.e2e


@pytest.fixture
def gpuaas(cloud, tmp_path, monkeypatch, capsys):
    """Run the CLI in process against the local cloud, with its own credentials directory.

    The CLI writes to its own streams: the in-process API prints its metrics (EMF lines) to the
    process's stdout, which capsys holds, and they must not mix with what the CLI printed.
    """
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "gpuaas"))
    monkeypatch.setenv("GPUAAS_API_URL", cloud.api_url)
    monkeypatch.delenv("GPUAAS_API_KEY", raising=False)

    def run(*argv: str, expect: int = 0) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        capsys.readouterr()  # drop the server's own output
        assert code == expect, f"gpuaas {' '.join(argv)} -> {code}\nstdout: {out.getvalue()}\nstderr: {err.getvalue()}"
        return out.getvalue(), err.getvalue()

    return run


def run_json(gpuaas, *argv: str):
    out, _ = gpuaas(*argv, "--json")
    return json.loads(out)


def test_sign_in_api_keys_refresh_and_sign_out(gpuaas, cloud, monkeypatch):
    signed_in = run_json(gpuaas, "login", "--dev", "--user", "alice", "--org", "acme", "--role", "owner")
    store = CredentialStore()
    assert store.get("default")["api_url"] == cloud.api_url

    me = run_json(gpuaas, "whoami")
    assert me["user"]["id"] == signed_in["user_id"] and me["org"]["id"] == signed_in["org_id"]
    assert me["role"] == "owner" and me["auth"] == "session" and me["operator"] is False
    out, _ = gpuaas("whoami")
    assert "owner" in out and signed_in["user_id"] in out

    # An API key: the secret shows once, the list never shows it.
    out, err = gpuaas("api-keys", "create", "ci reader", "--scope", "read", "--json")
    key = json.loads(out)
    assert key["secret"].startswith("gpk_") and "will not be shown again" in err
    listed = run_json(gpuaas, "api-keys", "list")
    assert [k["id"] for k in listed] == [key["id"]] and "secret" not in listed[0]
    out, _ = gpuaas("api-keys", "list")
    assert key["id"] in out and key["secret"] not in out

    # Sign in with it under another profile; it reads but may not write.
    monkeypatch.setenv("GPUAAS_API_KEY", key["secret"])
    gpuaas("--profile", "ci", "login", "--api-key")
    assert store.get("ci") == {"api_url": cloud.api_url, "api_key": key["secret"]}
    as_key = run_json(gpuaas, "--profile", "ci", "whoami")
    assert as_key["auth"] == "api_key" and as_key["org"]["id"] == signed_in["org_id"]
    _, err = gpuaas("--profile", "ci", "api-keys", "create", "more", expect=1)
    assert err.startswith("error FORBIDDEN: ")

    # Revoked, it stops working at once.
    revoked = run_json(gpuaas, "api-keys", "revoke", key["id"])
    assert revoked["revoked_at"]
    _, err = gpuaas("--profile", "ci", "whoami", expect=1)
    assert err.startswith("error ") and "(" in err  # error CODE: message (request_id)

    # An access token the API refuses is refreshed once; the rotated refresh token is stored.
    old_refresh = store.get("default")["refresh_token"]
    store.update_tokens("default", "not-a-valid-token", None)
    assert run_json(gpuaas, "whoami")["user"]["id"] == signed_in["user_id"]
    rotated = store.get("default")
    assert rotated["refresh_token"] != old_refresh and rotated["access_token"] != "not-a-valid-token"

    # Sign out: the credentials are gone and the session's refresh token is dead.
    gpuaas("logout")
    assert store.get("default") is None and store.get("ci") is not None
    dead = requests.post(
        f"{cloud.api_url}/v1/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]},
        timeout=30,
    )
    assert dead.status_code == 401
    _, err = gpuaas("whoami", expect=1)
    assert "not signed in" in err


def test_members_add_list_set_role_remove(gpuaas):
    bob = run_json(gpuaas, "--profile", "bob", "login", "--dev", "--user", "bob", "--org", "bobco", "--role", "owner")
    alice = run_json(gpuaas, "login", "--dev", "--user", "alice", "--org", "acme", "--role", "owner")
    assert bob["user_id"] != alice["user_id"]

    added = run_json(gpuaas, "members", "add", bob["user_id"], "--role", "member")
    assert added["user_id"] == bob["user_id"] and added["role"] == "member"
    roles = {m["user_id"]: m["role"] for m in run_json(gpuaas, "members", "list")}
    assert roles == {alice["user_id"]: "owner", bob["user_id"]: "member"}
    out, _ = gpuaas("members", "list")
    assert out.splitlines()[0].split()[:2] == ["USER", "ID"] and bob["user_id"] in out

    assert run_json(gpuaas, "members", "set-role", bob["user_id"], "viewer")["role"] == "viewer"
    gpuaas("members", "remove", bob["user_id"])
    assert [m["user_id"] for m in run_json(gpuaas, "members", "list")] == [alice["user_id"]]

    _, err = gpuaas("members", "set-role", bob["user_id"], "admin", expect=1)
    assert err.startswith("error ")
    gpuaas("members", "add", "usr_nobody", "--role", "admin", expect=1)
    gpuaas("members", "add", bob["user_id"], "--role", "operator", expect=2)


def test_skus_filters_and_prices(gpuaas, api):
    created = api.post("/v1/admin/skus", json=sku_body("h100-x1", price_per_hour_micros=2_490_000))
    assert created.status_code == 201, created.text
    sku_id = created.json()["id"]

    assert [s["id"] for s in run_json(gpuaas, "skus")] == [sku_id]
    out, _ = gpuaas("skus", "--max-price-per-hour", "2.49")
    assert sku_id in out and "$2.49" in out
    assert run_json(gpuaas, "skus", "--max-price-per-hour", "2.489999") == []
    assert run_json(gpuaas, "skus", "--region", "us-east-1", "--min-gpus", "1") != []
    assert run_json(gpuaas, "skus", "--available") == []  # no node, no free slot
    out, _ = gpuaas("skus", "--gpu-model", "B200")
    assert out == "(none)\n"
    gpuaas("skus", "--max-price-per-hour", "abc", expect=2)


def test_ssh_keys(gpuaas, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    public = ed25519.Ed25519PrivateKey.generate().public_key()
    line = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    key_file = tmp_path / "id_ed25519.pub"
    key_file.write_text(f"{line} me@laptop\n")
    run_json(gpuaas, "login", "--dev", "--user", "sid", "--org", "sshco", "--role", "member")
    added = run_json(gpuaas, "ssh-keys", "add", "laptop", str(key_file))
    assert added["type"] == "ssh-ed25519" and added["comment"] == "me@laptop"
    out, _ = gpuaas("ssh-keys", "list")
    assert added["fingerprint"] in out and "laptop" in out
    _, err = gpuaas("ssh-keys", "add", "again", str(key_file), expect=1)
    assert "SSH_KEY_EXISTS" in err
    _, err = gpuaas("ssh-keys", "add", "missing", str(tmp_path / "nope.pub"), expect=2)
    assert "cannot read" in err
    gpuaas("ssh-keys", "delete", added["id"])
    assert run_json(gpuaas, "ssh-keys", "list") == []
