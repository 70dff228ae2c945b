"""The agent's terminal sessions against a real PTY (and tmux, when installed), over a pairing relay.

The relay is tests/support/terminal_relay.py (a websockets server in this process); the client end is the
client package's Link, so both copies of the stream logic talk to each other here.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpuaas_agent.executors import sshd
from gpuaas_agent.executors.sandbox import SandboxExecutor
from gpuaas_agent.terminal import TerminalManager
from gpuaas_agent.terminal.shell import tmux_socket
from gpuaas_client.terminal.link import Link
from gpuaas_client.terminal.stream import FrameError
from websockets.sync.client import connect

from tests.support.terminal_relay import PairingRelay
from tests.support.terminal_screen import Screen, wait_for

pytestmark = pytest.mark.unit

TOKEN = "gpn_node-token"
ALLOCATION = "alc_" + "t" * 26
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqXkGQ2c1Xm8n6m3t0bD0xYc6dVd1m2i3p4w5r6t7u8 me@laptop"
HAVE_TMUX = shutil.which("tmux") is not None


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxExecutor]:
    executor = SandboxExecutor(tmp_path / "sandbox", "node-1")
    executor.provision({"allocation_id": ALLOCATION, "slots": [{"index": 0, "gpu_indexes": [2, 3]}],
                        "container_image": "ubuntu:24.04", "ssh_user": "alice",
                        "ssh_public_keys": [KEY]})  # fmt: skip
    yield executor
    executor.release({"allocation_id": ALLOCATION})  # its sshd too


class Rig:
    """A relay, an agent's terminal manager, and client ends."""

    def __init__(self, sandbox: SandboxExecutor, tmux: bool) -> None:
        self.sandbox = sandbox
        self.tmux = tmux
        self.kind = "shell"
        self.relay = PairingRelay(TOKEN, on_client=self._open).start()
        self.manager = self.new_manager()
        self.links: list[Link] = []

    def new_manager(self) -> TerminalManager:
        return TerminalManager(self.sandbox.dirs, lambda: TOKEN, tmux=self.tmux, backoff=(0.05, 0.2))

    def payload(self, session_id: str) -> dict:
        return {"allocation_id": ALLOCATION, "session_id": session_id, "kind": self.kind, "url": self.relay.url,
                "cols": 80, "rows": 24}  # fmt: skip

    def _open(self, session_id: str) -> None:
        self.manager.open(self.payload(session_id))

    def client(self, session_id: str | None = None, wait_agent: bool = True) -> tuple[str, Link, Screen]:
        session_id = session_id or self.relay.new_session()
        screen = Screen()

        def dial():
            return connect(f"{self.relay.url}?ticket={self.relay.ticket(session_id)}", compression=None,
                           close_timeout=1, max_size=None)  # fmt: skip

        link = Link(dial, screen.feed, screen.frame, backoff=(0.05, 0.2))
        threading.Thread(target=link.run, daemon=True).start()
        self.links.append(link)
        if wait_agent:
            wait_for(lambda: self.relay.connected(session_id, "agent"), what="the agent's connection")
        return session_id, link, screen

    def close(self) -> None:
        for link in self.links:
            link.stop()
        self.manager.close_allocation(ALLOCATION)
        self.relay.stop()


@pytest.fixture(params=[False, True] if HAVE_TMUX else [False], ids=lambda t: "tmux" if t else "plain")
def rig(request, sandbox) -> Iterator[Rig]:
    rig = Rig(sandbox, tmux=request.param)
    yield rig
    rig.close()


def test_a_shell_runs_in_the_sandbox_with_the_allocation_gpus(rig):
    _, link, screen = rig.client()
    link.write(b"echo gpus=$CUDA_VISIBLE_DEVICES home=$HOME pwd=$(pwd)\n")
    match = screen.wait(r"^gpus=(\S*) home=(\S+) pwd=(\S+)$")
    home = rig.sandbox.dirs.path(ALLOCATION) / "home"  # the allocation's home, as for an SSH login
    assert match.groups() == ("2,3", str(home), str(home))


def test_resize_reaches_the_shell(rig):
    _, link, screen = rig.client()
    link.write(b"stty size\n")
    screen.wait(r"^24 80$")
    link.send_frame({"type": "resize", "cols": 132, "rows": 43})
    time.sleep(0.3)
    link.write(b"stty size\n")
    screen.wait(r"^43 132$")


def test_the_session_closes_when_the_shell_exits(rig):
    session_id, link, _ = rig.client()
    link.write(b"exit\n")
    wait_for(link.closed.is_set, what="close")
    assert link.close_reason == "exited"
    wait_for(lambda: session_id not in rig.manager.sessions, what="the manager to forget the session")
    assert not rig.relay.sessions[session_id].open


def test_a_dropped_agent_connection_loses_and_repeats_nothing(rig):
    session_id, link, screen = rig.client()
    link.write(b"for i in $(seq 1 400); do echo line-$i; sleep 0.004; done; echo done-counting\n")
    screen.wait(r"^line-20$")
    for _ in range(4):
        rig.relay.drop(session_id, "agent")
        time.sleep(0.25)
    for _ in range(2):
        rig.relay.drop(session_id, "client")
        time.sleep(0.25)
    screen.wait(r"^done-counting$", timeout=30)
    lines = re.findall(r"^line-(\d+)$", screen.text(), re.M)
    assert lines == [str(i) for i in range(1, 401)]
    session = rig.manager.sessions[session_id]
    assert session.link.connects >= 5


def test_a_frame_over_the_relay_limit_is_refused_and_the_session_goes_on(rig):
    _, link, screen = rig.client()
    with pytest.raises(FrameError):  # the sender refuses it before the relay would
        link.send_frame({"type": "resize", "cols": 80, "rows": 24, "pad": "x" * 40_000})
    conn = link._conn
    assert conn is not None
    conn.send('{"type":"resize","cols":80,"rows":24,"pad":"' + "x" * 40_000 + '"}')  # straight to the relay
    wait_for(lambda: any(f.get("code") == "FRAME_TOO_LARGE" for f in screen.frames), what="the relay's error")
    link.write(b"echo still-here\n")
    screen.wait(r"^still-here$")


def test_releasing_the_allocation_closes_its_sessions_and_kills_their_shells(rig):
    _, link, screen = rig.client()
    link.write(b"echo $$\n")
    pid = int(screen.wait(r"^(\d+)$").group(1))
    assert rig.manager.close_allocation(ALLOCATION) == 1
    wait_for(link.closed.is_set, what="close")
    assert link.close_reason == "allocation released"
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), what="the shell to die")
    if rig.tmux:
        argv = ["tmux", "-L", tmux_socket(ALLOCATION), "has-session"]
        alive = subprocess.run(argv, capture_output=True)
        assert alive.returncode != 0


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed")
def test_an_agent_restart_attaches_to_the_same_shell_in_tmux(sandbox):
    rig = Rig(sandbox, tmux=True)
    try:
        session_id, link, screen = rig.client()
        link.write(b"export MARK=kept-across-restarts; echo first-agent\n")
        screen.wait(r"^first-agent$")
        rig.manager.stop()  # the agent stops: it detaches, tmux keeps the shell
        wait_for(lambda: not rig.relay.connected(session_id, "agent"), what="the agent to go")
        rig.manager = rig.new_manager()  # a new agent process, told again by open_terminal
        rig._open(session_id)
        wait_for(lambda: rig.relay.connected(session_id, "agent"), what="the new agent")
        link.write(b"echo mark=$MARK\n")
        screen.wait(r"^mark=kept-across-restarts$")
    finally:
        rig.close()


def test_an_ssh_session_pipes_the_bytes_of_the_allocation_port(sandbox):
    # A scripted server in place of the allocation's sshd, to see every byte each way.
    ssh_dir = sandbox.dirs.path(ALLOCATION) / "ssh"
    sshd.stop_sshd(sshd.running_sshd(ssh_dir / "sshd.pid", ssh_dir / "sshd_config"), ALLOCATION)
    port = sandbox.dirs.port(ALLOCATION)
    server = socket.create_server(("127.0.0.1", port))
    received = []

    def echo() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            while chunk := conn.recv(65536):
                received.append(chunk)
                conn.sendall(chunk.upper())

    threading.Thread(target=echo, daemon=True).start()
    rig = Rig(sandbox, tmux=False)
    rig.kind = "ssh"
    try:
        _, link, screen = rig.client()
        screen.wait(r"^SSH-2.0-OpenSSH_9.6$")
        blob = bytes(range(97, 123)) * 5000  # 130 KB: several frames each way
        link.write(blob)
        wait_for(lambda: len(screen.data) >= len(blob) + 21, what="the echo")
        assert screen.data == b"SSH-2.0-OpenSSH_9.6\r\n" + blob.upper()
        link.close("done")
        wait_for(lambda: not rig.manager.sessions, what="the session to end")
    finally:
        server.close()
        rig.close()


def test_a_session_for_an_allocation_not_here_is_closed_at_once(sandbox, tmp_path):
    rig = Rig(sandbox, tmux=False)
    try:
        session_id = rig.relay.new_session()
        payload = {**rig.payload(session_id), "allocation_id": "alc_" + "z" * 26}
        rig.relay.on_client = lambda sid: rig.manager.open(payload)
        _, link, _ = rig.client(session_id, wait_agent=False)
        wait_for(link.closed.is_set, what="close")
        assert "not on this host" in (link.close_reason or "")
    finally:
        rig.close()


def test_a_node_that_offers_no_shells_closes_a_shell_session_with_the_reason(sandbox):
    rig = Rig(sandbox, tmux=False)
    try:
        rig.manager = TerminalManager(sandbox.dirs, lambda: TOKEN, shells=False, backoff=(0.05, 0.2))
        _, link, _ = rig.client(wait_agent=False)
        wait_for(link.closed.is_set, what="close")
        assert "use ssh" in (link.close_reason or "")
        assert not rig.manager.sessions
    finally:
        rig.close()


def test_the_docker_executor_offers_no_host_shells(tmp_path):
    from gpuaas_agent.agent import Agent
    from gpuaas_agent.control_plane import ControlPlane
    from gpuaas_agent.executors.docker import DockerExecutor
    from gpuaas_agent.state import StateStore
    from gpuaas_agent.telemetry import NvmlSource, SimulatedNvml

    def agent(executor):
        gpus = NvmlSource(SimulatedNvml(1, "H100-80GB-SXM", seed="x"))
        return Agent(ControlPlane("http://127.0.0.1:1"), StateStore(tmp_path / "s"), gpus, executor, hostname="h")

    assert agent(DockerExecutor(tmp_path / "d", "h")).terminals.shells is False
    assert agent(SandboxExecutor(tmp_path / "b", "h")).terminals.shells is True


def test_the_agent_pings_and_reconnects_before_its_connection_limit_without_a_glitch(sandbox):
    rig = Rig(sandbox, tmux=False)
    rig.manager = TerminalManager(sandbox.dirs, lambda: TOKEN, tmux=False, backoff=(0.05, 0.2),
                                  ping_seconds=0.2, max_age_seconds=0.7, tick_seconds=0.1)  # fmt: skip
    try:
        session_id, link, screen = rig.client()
        link.write(b"for i in $(seq 1 150); do echo tick-$i; sleep 0.02; done; echo ticked\n")
        screen.wait(r"^ticked$", timeout=30)
        assert re.findall(r"^tick-(\d+)$", screen.text(), re.M) == [str(i) for i in range(1, 151)]
        agent = rig.manager.sessions[session_id].link
        assert agent.connects >= 3  # a new connection every 0.7 s
        assert rig.relay.pings["agent"] >= 3
    finally:
        rig.close()
