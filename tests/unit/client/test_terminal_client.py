"""``gpuaas terminal`` and ``gpuaas ssh-proxy``: the ticket call, and the client's end against a pairing relay
(tests/support/terminal_relay.py) joined to the agent's real terminal sessions (a PTY, a TCP socket)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import socket
import struct
import termios
import threading
import time
from io import StringIO

import pytest
from gpuaas_agent.executors import sshd
from gpuaas_agent.executors.sandbox import SandboxExecutor
from gpuaas_agent.terminal import TerminalManager
from gpuaas_client import ApiError, Client
from gpuaas_client.cli.app import build_parser, parse_args
from gpuaas_client.cli.commands.terminal import relay
from gpuaas_client.sdk import TerminalTicket
from responses import matchers

from tests.support.terminal_relay import PairingRelay
from tests.unit.client.conftest import BASE

pytestmark = pytest.mark.unit

TOKEN = "node-token"
ALLOCATION = "alc_" + "r" * 26
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqXkGQ2c1Xm8n6m3t0bD0xYc6dVd1m2i3p4w5r6t7u8 me@laptop"


def test_open_terminal_posts_the_contract_body_and_reads_the_ticket(http):
    answer = {"session_id": "trm_" + "a" * 26, "ticket": "tkt_x", "url": "wss://ws.example.com/v1",
              "expires_at": "2026-01-01T00:01:00.000Z", "kind": "shell"}  # fmt: skip
    http.post(f"{BASE}/v1/allocations/{ALLOCATION}/terminal", status=201, json=answer,
              match=[matchers.json_params_matcher({"kind": "shell", "cols": 120, "rows": 40})])  # fmt: skip
    resume = matchers.json_params_matcher({"session_id": answer["session_id"]}, strict_match=False)
    http.post(f"{BASE}/v1/allocations/{ALLOCATION}/terminal", status=201, json=answer, match=[resume])
    client = Client(BASE, api_key="gpk_test")
    ticket = client.open_terminal(ALLOCATION, cols=120, rows=40)
    assert ticket.to_dict() == answer
    assert client.open_terminal(ALLOCATION, session_id=answer["session_id"]).to_dict() == answer
    assert http.calls[0].request.headers["Authorization"] == "Bearer gpk_test"


def test_a_ticket_for_an_allocation_that_is_not_active_is_an_api_error(http):
    http.post(f"{BASE}/v1/allocations/{ALLOCATION}/terminal", status=409,
              json={"error": {"code": "ALLOCATION_NOT_ACTIVE", "message": "releasing", "request_id": "r"}})  # fmt: skip
    with pytest.raises(ApiError) as caught:
        Client(BASE, api_key="gpk_test").open_terminal(ALLOCATION)
    assert caught.value.code == "ALLOCATION_NOT_ACTIVE"


def test_the_commands_parse_and_ssh_proxy_is_hidden():
    assert parse_args(build_parser(), ["terminal", ALLOCATION]).allocation_id == ALLOCATION
    assert parse_args(build_parser(), ["ssh-proxy", ALLOCATION]).command == "ssh-proxy"
    root = build_parser()
    assert root.commands["ssh-proxy"].hidden and not root.commands["terminal"].hidden


# Against a relay -----------------------------------------------------------------------------------------


class RelayClient(Client):
    """The SDK with its ticket call answered by the pairing relay (its HTTP side is not under test here)."""

    def __init__(self, relay_: PairingRelay) -> None:
        super().__init__(BASE, api_key="gpk_test")
        self.relay = relay_
        self.calls: list[dict] = []
        self.refuse: ApiError | None = None
        self.sizes: dict[str, tuple[int, int]] = {}

    def open_terminal(self, allocation_id, *, kind="shell", cols=80, rows=24, session_id=None):
        self.calls.append({"kind": kind, "cols": cols, "rows": rows, "session_id": session_id})
        if self.refuse is not None:
            raise self.refuse
        if session_id is None:
            session_id = self.relay.new_session()
            self.sizes[session_id] = (cols, rows)
        return TerminalTicket.from_dict(
            {
                "session_id": session_id,
                "ticket": self.relay.ticket(session_id),
                "url": self.relay.url,
                "expires_at": "2026-01-01T00:00:00Z",
                "kind": kind,
            }
        )


@pytest.fixture
def world(tmp_path):
    executor = SandboxExecutor(tmp_path / "sandbox", "node-1")
    executor.provision({"allocation_id": ALLOCATION, "slots": [{"index": 0, "gpu_indexes": [0]}],
                        "container_image": "ubuntu:24.04", "ssh_user": "bob", "ssh_public_keys": [KEY]})  # fmt: skip
    manager = TerminalManager(executor.dirs, lambda: TOKEN, tmux=False, backoff=(0.05, 0.2))
    kinds: dict[str, str] = {}
    pairing = PairingRelay(TOKEN)
    client = RelayClient(pairing)

    def on_client(session_id: str) -> None:  # what the relay's open_terminal command carries
        cols, rows = client.sizes[session_id]
        manager.open({"allocation_id": ALLOCATION, "session_id": session_id, "kind": kinds.get("kind", "shell"),
                      "url": pairing.url, "cols": cols, "rows": rows})  # fmt: skip

    pairing.on_client = on_client
    pairing.start()
    yield executor, manager, pairing, client, kinds
    manager.close_allocation(ALLOCATION)
    pairing.stop()
    executor.release({"allocation_id": ALLOCATION})  # its sshd too


class Reader:
    def __init__(self, fd: int) -> None:
        self.fd, self.data = fd, b""
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.data += chunk

    def wait(self, needle: bytes, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.data:
            assert time.monotonic() < deadline, f"{needle!r} never came: {self.data[-500:]!r}"
            time.sleep(0.02)


def start_relay(client, **kw):
    done: dict = {}

    def run() -> None:
        done["code"] = relay(client, ALLOCATION, **kw)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_a_shell_over_pipes_reconnects_with_a_fresh_ticket_for_the_same_session(world):
    _, manager, pairing, client, _ = world
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err = StringIO()
    thread, done = start_relay(client, kind="shell", stdin=in_r, stdout=out_w, stderr=err)
    out = Reader(out_r)
    os.write(in_w, b"echo one-$((20+1))\n")
    out.wait(b"one-21")
    session_id = client.calls[0]["session_id"] or next(iter(manager.sessions))
    pairing.drop(session_id, "client")
    deadline = time.monotonic() + 10
    while len(client.calls) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert client.calls[1]["session_id"] == session_id  # the same session, a new ticket
    os.write(in_w, b"echo two-$((40+2))\n")
    out.wait(b"two-42")
    os.write(in_w, b"exit\n")
    thread.join(15)
    assert done["code"] == 0
    assert "closed (exited)" in err.getvalue()
    for fd in (in_r, in_w, out_w):
        os.close(fd)


def test_end_of_input_on_ssh_proxy_closes_the_session(world):
    executor, manager, _, client, kinds = world
    kinds["kind"] = "ssh"
    # A scripted server in place of the allocation's sshd, to see every byte each way.
    ssh_dir = executor.dirs.path(ALLOCATION) / "ssh"
    sshd.stop_sshd(sshd.running_sshd(ssh_dir / "sshd.pid", ssh_dir / "sshd_config"), ALLOCATION)
    server = socket.create_server(("127.0.0.1", executor.dirs.port(ALLOCATION)))

    def echo() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"SSH-2.0-test\r\n")
            while chunk := conn.recv(65536):
                conn.sendall(chunk[::-1])

    threading.Thread(target=echo, daemon=True).start()
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    thread, done = start_relay(client, kind="ssh", stdin=in_r, stdout=out_w, stderr=StringIO())
    out = Reader(out_r)
    out.wait(b"SSH-2.0-test\r\n")
    os.write(in_w, b"abc")
    out.wait(b"cba")
    os.close(in_w)  # ssh closed its end
    thread.join(15)
    assert done["code"] == 0
    assert client.calls[0]["kind"] == "ssh"
    deadline = time.monotonic() + 10
    while manager.sessions:
        assert time.monotonic() < deadline, "the agent kept the session"
        time.sleep(0.02)
    server.close()
    for fd in (in_r, out_w):
        os.close(fd)


def test_an_allocation_that_is_not_active_is_an_error_before_anything_else(world):
    _, _, _, client, _ = world
    client.refuse = ApiError(409, "ALLOCATION_NOT_ACTIVE", "it is releasing")
    in_r, in_w = os.pipe()
    with pytest.raises(ApiError) as caught:
        relay(client, ALLOCATION, kind="shell", stdin=in_r, stdout=in_w, stderr=StringIO(), connect_seconds=5)
    assert caught.value.code == "ALLOCATION_NOT_ACTIVE"
    assert len(client.calls) == 1  # not asked again
    os.close(in_r)
    os.close(in_w)


def test_raw_mode_is_restored_and_a_window_change_resizes_the_remote_terminal(world):
    _, _, _, client, _ = world
    user, tty_fd = pty.openpty()  # the user's terminal: we type on `user`, the client reads `tty_fd`
    fcntl.ioctl(tty_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    before = termios.tcgetattr(tty_fd)
    out_r, out_w = os.pipe()
    previous = signal.getsignal(signal.SIGWINCH)
    code = {}

    def typist() -> None:
        out = Reader(out_r)
        try:
            os.write(user, b"stty size\r")
            out.wait(b"30 100")
            assert not termios.tcgetattr(tty_fd)[3] & termios.ECHO  # raw: no local echo
            fcntl.ioctl(tty_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 150, 0, 0))
            os.kill(os.getpid(), signal.SIGWINCH)
            time.sleep(0.5)
            os.write(user, b"stty size\r")
            out.wait(b"50 150")
            code["resized"] = True
        except AssertionError as exc:
            code["failed"] = str(exc)
        finally:
            os.write(user, b"exit\r")

    thread = threading.Thread(target=typist, daemon=True)
    thread.start()
    # In the main thread: it owns SIGWINCH.
    code["exit"] = relay(client, ALLOCATION, kind="shell", stdin=tty_fd, stdout=out_w, stderr=StringIO(), raw=True)
    thread.join(5)
    assert code == {"resized": True, "exit": 0}
    assert termios.tcgetattr(tty_fd) == before
    assert signal.getsignal(signal.SIGWINCH) == previous
    assert json.dumps(client.calls[0]) == json.dumps({"kind": "shell", "cols": 100, "rows": 30, "session_id": None})
    for fd in (user, tty_fd, out_r, out_w):
        os.close(fd)


@pytest.mark.parametrize(
    ("chunks", "sent", "ended"),
    [
        ([b"ls\r", b"~."], b"ls\r", True),
        ([b"~."], b"", True),
        ([b"~", b"."], b"", True),
        ([b"a~.b\r"], b"a~.b\r", False),  # not at the start of a line
        ([b"~~.\r"], b"~.\r", False),  # ~~ is one ~
        ([b"~x"], b"~x", False),
        ([b"echo\n~.rest"], b"echo\n", True),
    ],
)
def test_the_escape_ends_the_session_only_at_the_start_of_a_line(chunks, sent, ended):
    from gpuaas_client.cli.commands.terminal import Escape

    escape = Escape()
    out = b""
    for chunk in chunks:
        out += escape.feed(chunk)
        if escape.ended:
            break
    assert (out, escape.ended) == (sent, ended)


def test_tilde_dot_in_raw_mode_ends_the_session_and_the_agent_kills_the_shell(world):
    _, manager, _, client, _ = world
    user, tty_fd = pty.openpty()
    out_r, out_w = os.pipe()
    out = Reader(out_r)

    def typist() -> None:
        os.write(user, b"echo up-$((1+1))\r")
        out.wait(b"up-2")
        os.write(user, b"~.")

    threading.Thread(target=typist, daemon=True).start()
    err = StringIO()
    code = relay(client, ALLOCATION, kind="shell", stdin=tty_fd, stdout=out_w, stderr=err, raw=True)
    assert code == 0 and "closed (client closed)" in err.getvalue()
    deadline = time.monotonic() + 10
    while manager.sessions:
        assert time.monotonic() < deadline, "the agent kept the session"
        time.sleep(0.02)
    for fd in (user, tty_fd, out_r, out_w):
        os.close(fd)
