"""Terminal sessions end to end: the client's RelaySession, the local cloud's WebSocket API and relay
handlers, and the real node agent (a subprocess, sandbox executor, a PTY, tmux when installed).

tests/e2e/test_terminal.py covers the relay itself with a test-side agent; here both ends are the real ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
from gpuaas_client.terminal import RelaySession

from chalicelib.core.settings import get_settings
from tests.e2e.fleet_helpers import Rentable, rentable_fleet
from tests.e2e.helpers import items_of_type
from tests.e2e.ssh_helpers import HAVE_OPENSSH, Cli, add_key, keygen, run
from tests.support.terminal_screen import Screen, wait_for

pytestmark = pytest.mark.e2e

NAME = "tty"
HOST = f"{NAME}-00.fleet"


@pytest.fixture
def fleet(api, cloud):
    rentable = rentable_fleet(api, cloud, hosts=1, gpus_per_host=8, sku_gpus=2, name=NAME)
    yield rentable
    rentable.agents.signal_stop()
    rentable.agents.wait()


@pytest.fixture
def allocation(fleet: Rentable) -> Iterator[dict]:
    r = fleet.create(count=1)
    assert r.status_code == 202, r.text
    active = fleet.wait_for(r.json()["id"], "active", "failed", timeout=15)
    assert active["state"] == "active", active
    yield active
    # An agent that stops only detaches: the shells of an allocation never released would outlive the test.
    if shutil.which("tmux"):
        subprocess.run(["tmux", "-L", f"gpuaas-{active['id']}", "kill-server"], capture_output=True, check=False)


def tmux_alive(allocation_id: str) -> bool:
    argv = ["tmux", "-L", f"gpuaas-{allocation_id}", "has-session"]
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def open_session(api, allocation: dict, **kw) -> tuple[RelaySession, Screen]:
    sdk = api.client("member", user=f"{NAME}-customer", org=f"{NAME}-org")
    screen = Screen()
    session = RelaySession(sdk, allocation["id"], on_data=screen.feed, on_frame=screen.frame,
                           backoff=(0.05, 0.5), **kw).start()  # fmt: skip
    wait_for(session.peer_connected.is_set, 20, "the agent's side")
    return session, screen


def agent_connection(session_id: str) -> str | None:
    [item] = [i for i in items_of_type(get_settings().table_name, "terminal_session") if session_id in json.dumps(i)]
    value = item.get("agent_connection_id", {}).get("S")
    return str(value) if value else None


def websocket_api(cloud):
    [api] = cloud.websocket_apis.values()
    return api


def test_a_shell_has_the_allocation_gpus_and_a_dropped_connection_loses_and_repeats_nothing(api, cloud, allocation):
    session, screen = open_session(api, allocation)
    try:
        gpus = sorted(g for s in allocation["slots"] for g in s["gpu_indexes"])
        session.write(b"echo gpus=$CUDA_VISIBLE_DEVICES user=$USER\n")
        match = screen.wait(r"^gpus=(\S*) user=(\S+)$", timeout=20)
        assert match.groups() == (",".join(str(g) for g in gpus), allocation["connection"]["user"])

        session.write(b"for i in $(seq 1 300); do echo line-$i; sleep 0.01; done; echo done-counting\n")
        screen.wait(r"^line-30$", timeout=20)
        assert session.session_id is not None
        first = agent_connection(session.session_id)
        assert first is not None
        assert websocket_api(cloud).delete(first) == 204  # DeleteConnection on the agent's side
        wait_for(lambda: agent_connection(session.session_id) not in (None, first), 20, "the agent to reconnect")
        session.link.drop()  # and the client's side drops once too: it reconnects with a fresh ticket
        screen.wait(r"^done-counting$", timeout=60)
        lines = re.findall(r"^line-(\d+)$", screen.text(), re.M)
        assert lines == [str(i) for i in range(1, 301)]
        assert session.link.connects >= 2
    finally:
        session.close()
        session.wait(10)


def test_an_oversized_frame_is_refused_and_the_session_goes_on(api, allocation):
    session, screen = open_session(api, allocation)
    try:
        big = json.dumps({"type": "data", "seq": 10_000, "data": "A" * 40_000})
        conn = session.link._conn
        assert conn is not None
        conn.send(iter([big[:20_000], big[20_000:]]))  # two 20 KB fragments: the relay's 32 KB limit refuses it
        wait_for(lambda: any(f.get("code") == "FRAME_TOO_LARGE" for f in screen.frames), 20, "FRAME_TOO_LARGE")
        session.write(b"echo still-$((6*7))\n")
        screen.wait(r"^still-42$", timeout=20)
        assert not session.closed
    finally:
        session.close()
        session.wait(10)
    if shutil.which("tmux"):  # the client's close reached the agent: the shell and its tmux session are gone
        wait_for(lambda: not tmux_alive(allocation["id"]), 20, "the tmux session to be killed")


def test_after_release_the_session_is_closed_its_shell_killed_and_the_terminal_refused(api, cloud, fleet, allocation):
    session, screen = open_session(api, allocation)
    session.write(b"echo pid=$$\n")
    pid = int(screen.wait(r"^pid=(\d+)$", timeout=20).group(1))
    r = fleet.release(allocation["id"])
    assert r.status_code == 202, r.text
    cloud.drain()
    assert session.wait(30), "the session did not end"
    assert session.closed and session.close_reason in ("allocation_ended", "allocation released")
    assert fleet.wait_for(allocation["id"], "released", timeout=20)["state"] == "released"
    wait_for(lambda: not _alive(pid), 20, "the shell to be killed")
    if shutil.which("tmux"):
        assert not tmux_alive(allocation["id"])
    r = api.request("POST", f"/v1/allocations/{allocation['id']}/terminal", role=None, headers=fleet.customer,
                    json={"kind": "shell", "cols": 80, "rows": 24})  # fmt: skip
    assert r.status_code == 409, r.text


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_an_agent_restart_keeps_the_shell(api, fleet, allocation):
    session, screen = open_session(api, allocation, peer_wait=1.0)
    try:
        session.write(b"export MARK=survives; echo set-$MARK\n")
        screen.wait(r"^set-survives$", timeout=20)
        [host] = fleet.agents.hosts
        host.process.send_signal(signal.SIGTERM)  # the agent stops (detaching); tmux keeps the shell
        host.process.wait(timeout=30)
        fleet.agents.start(HOST, None, 8, "H100-80GB-SXM")  # the same host's agent again, registered before
        # The client sees the agent gone, reconnects, and the relay asks the new agent to open its side.
        deadline = time.monotonic() + 60
        while "mark=survives" not in screen.text():
            assert time.monotonic() < deadline, screen.text()[-2000:]
            if session.peer_connected.is_set():
                session.write(b"echo mark=$MARK\n")
            time.sleep(1.0)
    finally:
        session.close()
        session.wait(10)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(shutil.which("sshd", path="/usr/sbin:/usr/bin") is None or shutil.which("ssh") is None,
                    reason="OpenSSH is not installed")  # fmt: skip
@pytest.mark.skipif(not HAVE_OPENSSH, reason="no OpenSSH: scripts/ensure-system-packages.sh installs it")
def test_ssh_and_scp_through_the_relay_to_the_allocations_own_sshd(api, cloud, fleet, tmp_path):
    """`gpuaas ssh ID --relay` and the blocks of `gpuaas ssh-config --relay`: SSH's bytes go client -> relay ->
    agent -> the allocation's own sshd, whose host key is still checked against the API's known_hosts line."""
    mine, mine_public = keygen(tmp_path / "keys", "mine")
    key_id = add_key(fleet, "relay-key", mine_public)
    created = fleet.create(count=1, ssh_key_ids=[key_id], name="relay-job")
    assert created.status_code == 202, created.text
    allocation = fleet.wait_for(created.json()["id"], "active", "failed", timeout=15)
    assert allocation["state"] == "active", allocation
    gpuaas = Cli(cloud.api_url, tmp_path / "gpuaas")
    login = gpuaas("login", "--dev", "--user", f"{NAME}-customer", "--org", f"{NAME}-org", "--role", "member")
    assert login.returncode == 0, login.stderr

    printed = gpuaas("ssh", allocation["id"], "-i", str(mine), "--relay", "--print", "--json")
    argv = json.loads(printed.stdout)["argv"]
    assert any(a.startswith("ProxyCommand=") and "ssh-proxy" in a for a in argv), argv
    assert "StrictHostKeyChecking=yes" in argv
    hello = gpuaas("ssh", allocation["id"], "-i", str(mine), "--relay", "--", "echo via-relay-$((6*7)); pwd",
                   timeout=120)  # fmt: skip
    sandbox = fleet.sandbox(HOST, allocation["id"])
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout.splitlines() == ["via-relay-42", str((sandbox / "home").resolve())]

    # A tampered host key is refused through the relay too: the proxy carries bytes, it vouches for nothing.
    known_hosts = gpuaas.config_dir / "known_hosts"
    good = known_hosts.read_text()
    _, impostor = keygen(tmp_path / "keys", "impostor")
    known_hosts.write_text(f"{good.split()[0]} {' '.join(impostor.split()[:2])}\n")
    changed = run([*argv, "true"])
    assert changed.returncode == 255 and "REMOTE HOST IDENTIFICATION HAS CHANGED" in changed.stderr
    known_hosts.write_text(good)

    # scp by the ssh-config block's name, through the relay.
    config = gpuaas("ssh-config", "-i", str(mine), "--relay")
    assert config.returncode == 0 and "ProxyCommand" in config.stdout, config.stderr
    (tmp_path / "ssh_config").write_text(config.stdout)
    blob = os.urandom(300_000)
    (tmp_path / "blob").write_bytes(blob)
    scp = subprocess.run(["scp", "-F", str(tmp_path / "ssh_config"), str(tmp_path / "blob"), "gpuaas-relay-job:blob"],
                         env=gpuaas.env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert scp.returncode == 0, scp.stderr
    assert (sandbox / "home" / "blob").read_bytes() == blob
