"""The gpuaas command line end to end: in process, against the local cloud's real API."""

from __future__ import annotations

import io
import json
import os
import pwd
import re

import pytest
import requests
from gpuaas_client.cli import main
from gpuaas_client.credentials import CredentialStore

from tests.e2e.fleet_helpers import rentable_fleet
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

    _, err = gpuaas("members", "set-role", bob["user_id"], "admin", expect=4)  # not found: exit 4
    assert err.startswith("error MEMBER_NOT_FOUND: ")
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


@pytest.fixture
def fleet(api, cloud):
    rentable = rentable_fleet(api, cloud, hosts=1, gpus_per_host=4, sku_gpus=1, name="cli")
    yield rentable
    rentable.agents.signal_stop()
    rentable.agents.wait()


def progress_states(err: str) -> list[str]:
    """The states of the progress lines (``provisioning 0.4s``) that --wait printed, not a TTY."""
    lines = err.splitlines()
    steps = [line for line in lines if re.fullmatch(r"[a-z]+ \d+\.\ds", line)]
    return [line.split()[0] for line in steps]


def test_allocations_create_wait_ssh_release(gpuaas, fleet):
    # The CLI signs in as the fleet's customer (the dev issuer: same user, same org), whose key is there.
    run_json(gpuaas, "login", "--dev", "--user", "cli-customer", "--org", "cli-org", "--role", "member")
    assert [k["id"] for k in run_json(gpuaas, "ssh-keys", "list")] == [fleet.ssh_key["id"]]
    assert fleet.image["id"] in [i["id"] for i in run_json(gpuaas, "os-images")]

    # By name: the SKU and the image resolve to their ids.
    out, err = gpuaas(
        "allocations", "create", "--sku", fleet.sku["name"], "--image", fleet.image["name"],
        "--name", "cli-job", "--wait", "--timeout", "30",
    )  # fmt: skip
    states = progress_states(err)
    assert states[0] == "pending" and states[-1] == "active", err
    assert len(states) == len(set(states)), err  # one line per change, never a repeat
    found = re.search(r"Allocation (alc_\w+) is active", out)
    assert found, out
    allocation_id = found.group(1)

    allocation = run_json(gpuaas, "allocations", "get", allocation_id)
    assert allocation["state"] == "active" and allocation["name"] == "cli-job"
    assert allocation["sku_id"] == fleet.sku["id"] and allocation["os_image_id"] == fleet.image["id"]
    connection = allocation["connection"]
    user = pwd.getpwuid(os.geteuid()).pw_name  # a demo host's sshd logs in the agent's own account
    assert connection["command"] == f"ssh -p {connection['port']} {user}@127.0.0.1"
    assert f"Connect: {connection['command']}" in out and f"gpuaas ssh {allocation_id}" in out
    assert fleet.free_slots() == 3

    checked = f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={CredentialStore().directory / 'known_hosts'}"
    ssh = f"ssh -p {connection['port']} {checked} {user}@127.0.0.1"
    out, _ = gpuaas("ssh", allocation_id, "--print")
    assert out == ssh + "\n"
    out, _ = gpuaas("ssh", allocation_id, "--print", "--", "-L", "8888:localhost:8888", "nvidia-smi")
    assert out == f"{ssh} -L 8888:localhost:8888 nvidia-smi\n"

    out, _ = gpuaas("allocations", "get", allocation_id)
    assert "active" in out and connection["command"] in out
    assert [a["id"] for a in run_json(gpuaas, "allocations", "list", "--state", "active")] == [allocation_id]
    assert run_json(gpuaas, "allocations", "list", "--state", "released") == []
    out, _ = gpuaas("allocations", "list")
    assert out.splitlines()[0].split()[:3] == ["ID", "NAME", "STATE"] and allocation_id in out

    out, err = gpuaas("allocations", "release", allocation_id, "--wait", "--timeout", "30")
    assert progress_states(err)[-1] == "released", err
    assert f"Released {allocation_id}" in out
    released = run_json(gpuaas, "allocations", "get", allocation_id)
    assert released["state"] == "released" and released["connection"] is None
    assert fleet.free_slots() == 4

    events = run_json(gpuaas, "allocations", "events", allocation_id)
    assert [e["type"] for e in events] == [
        "allocation.requested",
        "allocation.provisioning",
        "allocation.active",
        "allocation.releasing",
        "allocation.released",
    ]
    out, _ = gpuaas("allocations", "events", allocation_id)
    assert "allocation.released" in out

    # Gone: no ssh, no second release.
    _, err = gpuaas("ssh", allocation_id, "--print", expect=1)
    assert f"allocation {allocation_id} is released, not active" in err
    _, err = gpuaas("allocations", "release", allocation_id, expect=1)
    assert err.startswith("error INVALID_ALLOCATION_STATE: ")


def test_allocations_json_ids_and_refusals(gpuaas, fleet):
    run_json(gpuaas, "login", "--dev", "--user", "cli-customer", "--org", "cli-org", "--role", "member")

    # More slots than any one node has: refused, with a hint.
    _, err = gpuaas("allocations", "create", "--sku", fleet.sku["id"], "--image", fleet.image["id"], "--count", "5",
                    expect=1)  # fmt: skip
    assert err.startswith("error INSUFFICIENT_CAPACITY: ") and "gpuaas skus --available" in err
    _, err = gpuaas("allocations", "create", "--sku", "no-such-sku", "--image", fleet.image["id"], expect=2)
    assert "no SKU named 'no-such-sku'" in err

    # By id, the key by name, JSON out (progress still on stderr): the final allocation.
    out, err = gpuaas(
        "allocations", "create", "--sku", fleet.sku["id"], "--image", fleet.image["id"], "--count", "2",
        "--ssh-key", "laptop", "--wait", "--timeout", "30", "--json",
    )  # fmt: skip
    active = json.loads(out)
    assert active["state"] == "active" and active["count"] == 2 and active["ssh_key_ids"] == [fleet.ssh_key["id"]]
    assert progress_states(err)[-1] == "active"
    printed = run_json(gpuaas, "ssh", active["id"], "--print")
    connection = active["connection"]
    assert printed["argv"][:3] == ["ssh", "-p", str(connection["port"])]
    assert printed["argv"][3:5] == ["-o", "StrictHostKeyChecking=yes"]
    assert printed["argv"][-1] == f"{connection['user']}@{connection['host']}"

    # Without --wait: released in the background.
    releasing = run_json(gpuaas, "allocations", "release", active["id"])
    assert releasing["state"] == "releasing"
    assert fleet.wait_for(active["id"], "released")["state"] == "released"
