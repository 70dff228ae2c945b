"""SSH into allocations for real: the local cloud, its sandbox agents' own sshd, the gpuaas CLI as a process,
and the system OpenSSH client. Client keys come from ssh-keygen, into the test's own directory."""

from __future__ import annotations

import json

import pytest

from tests.e2e.fleet_helpers import rentable_fleet
from tests.e2e.ssh_helpers import HAVE_OPENSSH, Cli, add_key, keygen, run, until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not HAVE_OPENSSH,
        reason="no OpenSSH: scripts/ensure-system-packages.sh installs it",
    ),
]


@pytest.fixture
def fleet(api, cloud):
    rentable = rentable_fleet(api, cloud, hosts=1, gpus_per_host=4, sku_gpus=2, name="ssh")
    yield rentable
    rentable.agents.signal_stop()
    rentable.agents.wait()


def test_ssh_into_an_allocation_with_its_host_key_checked_keys_changed_and_refused_after_release(
    fleet, cloud, tmp_path
):
    mine, mine_public = keygen(tmp_path / "keys", "mine")
    other, other_public = keygen(tmp_path / "keys", "other")
    mine_id = add_key(fleet, "mine", mine_public)
    created = fleet.create(count=1, ssh_key_ids=[mine_id], name="ssh-job")
    assert created.status_code == 202, created.text
    allocation_id = created.json()["id"]
    allocation = fleet.wait_for(allocation_id, "active", "failed")
    assert allocation["state"] == "active", allocation
    sandbox = fleet.sandbox(fleet.hostnames[0], allocation_id)

    # The API's connection: the demo host's loopback address, and the allocation's own host key.
    r = fleet.api.request("GET", f"/v1/allocations/{allocation_id}/ssh", role=None, headers=fleet.customer)
    assert r.status_code == 200, r.text
    ssh = r.json()
    host_key = " ".join((sandbox / "ssh" / "host_ed25519_key.pub").read_text().split()[:2])
    assert ssh["host"] == "127.0.0.1"
    assert ssh["known_hosts"] == f"[127.0.0.1]:{ssh['port']} {host_key}"
    assert ssh["known_hosts"] == allocation["connection"]["known_hosts"]
    listed = run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(sandbox / "ssh" / "host_ed25519_key.pub")])
    assert ssh["host_key_fingerprint"] == listed.stdout.split()[1]

    gpuaas = Cli(cloud.api_url, tmp_path / "gpuaas")
    login = gpuaas("login", "--dev", "--user", "ssh-customer", "--org", "ssh-org", "--role", "member")
    assert login.returncode == 0, login.stderr

    hello = gpuaas("ssh", allocation_id, "-i", str(mine), "--", "echo", "hello")
    assert (hello.returncode, hello.stdout) == (0, "hello\n"), hello.stderr
    known_hosts = gpuaas.config_dir / "known_hosts"
    assert known_hosts.read_text() == ssh["known_hosts"] + "\n"
    where = gpuaas("ssh", allocation_id, "-i", str(mine), "--", 'echo "$CUDA_VISIBLE_DEVICES"; pwd')
    gpus = sorted(i for slot in allocation["slots"] for i in slot["gpu_indexes"])
    assert where.stdout.splitlines() == [",".join(map(str, gpus)), str((sandbox / "home").resolve())], where.stderr
    assert gpuaas("ssh", allocation_id, "-i", str(mine), "--", "exit", "7").returncode == 7  # ssh's status is ours

    # A key the allocation does not have is refused.
    wrong = gpuaas("ssh", allocation_id, "-i", str(other), "--", "true")
    assert wrong.returncode == 255 and "Permission denied (publickey)" in wrong.stderr

    # The host key check passes only with the API's line: another key for that host, or none, is refused.
    printed = gpuaas("ssh", allocation_id, "-i", str(mine), "--print", "--json")
    argv = json.loads(printed.stdout)["argv"]
    _, impostor = keygen(tmp_path / "keys", "impostor")
    known_hosts.write_text(f"[127.0.0.1]:{ssh['port']} {' '.join(impostor.split()[:2])}\n")
    changed = run([*argv, "true"])
    assert changed.returncode == 255 and "REMOTE HOST IDENTIFICATION HAS CHANGED" in changed.stderr
    known_hosts.write_text("")
    unknown = run([*argv, "true"])
    assert unknown.returncode == 255 and "Host key verification failed" in unknown.stderr
    known_hosts.write_text(ssh["known_hosts"] + "\n")
    assert run([*argv, "echo", "checked"]).stdout == "checked\n"

    # ssh-config: a Host block per active allocation that plain ssh (and scp, rsync) can use.
    config = gpuaas("ssh-config", "-i", str(mine))
    assert config.returncode == 0 and "Host gpuaas-ssh-job" in config.stdout, config.stderr
    (tmp_path / "ssh_config").write_text(config.stdout)
    via_config = run(["ssh", "-F", str(tmp_path / "ssh_config"), "gpuaas-ssh-job", "echo", "by-name"])
    assert via_config.stdout == "by-name\n", via_config.stderr

    # Keys changed through the API reach the host within seconds: the new one opens it, a removed one no longer.
    other_id = add_key(fleet, "other", other_public)
    put = fleet.api.request(
        "PUT", f"/v1/allocations/{allocation_id}/ssh-keys", role=None, headers=fleet.customer,
        json={"ssh_key_ids": [mine_id, other_id]},
    )  # fmt: skip
    assert put.status_code == 200 and put.json()["ssh_key_ids"] == [mine_id, other_id], put.text
    assert until(lambda: gpuaas("ssh", allocation_id, "-i", str(other), "--", "echo", "added").stdout == "added\n")
    fleet.api.request(
        "PUT", f"/v1/allocations/{allocation_id}/ssh-keys", role=None, headers=fleet.customer,
        json={"ssh_key_ids": [other_id]},
    )  # fmt: skip
    assert until(lambda: gpuaas("ssh", allocation_id, "-i", str(mine), "--", "true").returncode == 255)
    assert "Permission denied" in gpuaas("ssh", allocation_id, "-i", str(mine), "--", "true").stderr
    assert gpuaas("ssh", allocation_id, "-i", str(other), "--", "echo", "kept").stdout == "kept\n"

    # Released: the sshd is gone with its directory, and a connection is refused.
    assert fleet.release(allocation_id).status_code == 202
    assert fleet.wait_for(allocation_id, "released")["state"] == "released"
    assert not sandbox.exists()
    after = run([*argv, "true"])
    assert after.returncode == 255 and "Connection refused" in after.stderr
    gone = gpuaas("ssh", allocation_id, "-i", str(other), "--", "true")
    assert gone.returncode == 1 and "not active" in gone.stderr
    late = fleet.api.request(
        "PUT", f"/v1/allocations/{allocation_id}/ssh-keys", role=None, headers=fleet.customer,
        json={"ssh_key_ids": [other_id]},
    )  # fmt: skip
    assert late.status_code == 409 and late.json()["error"]["code"] == "INVALID_ALLOCATION_STATE"
