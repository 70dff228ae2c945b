"""The terminal gateway: keystroke-to-echo round trips through the relay, and output throughput.

The real local cloud is started in-process (the API over HTTP, the template's WebSocket API with the relay's
Lambda handlers run in-process, moto behind them) with one real ``gpuaas-agent`` process (sandbox executor)
holding one active allocation. The client end is the SDK's ``RelaySession``. Nothing here asserts on time.

1. Keystroke to echo, ``ROUNDS`` single bytes one at a time after ``WARMUP`` (p50, p99 by nearest rank):

   * SSH: the system ``ssh`` to the allocation's own sshd, running ``stty raw -echo; cat`` in its PTY, directly
     over loopback (the baseline the issue names: what a customer gets with a reachable port), then the same
     command through the relay with ``gpuaas ssh-proxy`` as the ProxyCommand; and the relay's ``shell`` kind
     against that same direct SSH.
   * ``ssh`` kind: the agent pipes the bytes to a TCP echo server this process runs on the allocation's
     port (where the allocation's sshd would listen). Baseline: the same echo server over a direct
     loopback socket, interleaved round by round.
   * ``shell`` kind: ``stty raw -echo; cat`` in the agent's PTY (inside tmux when installed), so each byte
     comes back once. Baseline: the same program in a PTY of this process.

   The ratio is what the relay adds: client -> WebSocket -> $default handler -> PostToConnection -> agent,
   and back the same way, each frame a JSON envelope with base64 and a seq, acknowledged.

   On the local cloud every frame is a handler invocation that reads the connection and the session from
   moto's DynamoDB and posts to the peer through the emulated @connections API over loopback HTTP, twice per
   round trip: that, not the ends, is where the time goes (the ends' own work is the baseline's order).

2. Throughput: ``OUTPUT_MB`` MB of ``head -c`` from the allocation's sshd, by direct ssh and by ssh through the
   relay; then ``OUTPUT_MB`` MB written at once by the TCP server on the allocation's port as soon as the
   agent connects (an ``ssh`` session: the bytes arrive exactly as sent), timed from the first byte received
   to the last; against the same bytes over a direct loopback socket. The allocation's sshd is stopped for these
   (the scripted server takes its port).
"""

from __future__ import annotations

import os
import pty
import select
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import percentile, sku_body, wait_until

ROUNDS = 200
WARMUP = 10
OUTPUT_MB = 10
HEADER = ("path", "p50 ms", "p99 ms", "/ baseline p50")
HOST = "bench-tty.fleet"


class Inbox:
    """Bytes from a session, with a condition to wait on."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.cond = threading.Condition()
        self.first_at = 0.0

    def feed(self, data: bytes) -> None:
        with self.cond:
            if not self.data:
                self.first_at = time.perf_counter()
            self.data += data
            self.cond.notify_all()

    def wait_len(self, n: int, timeout: float = 30) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.data) >= n, timeout):
                raise RuntimeError(f"only {len(self.data)} of {n} bytes came")


class PortServer:
    """Listens on the allocation's port; each connection is echoed, or sent ``blob`` at once when set."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_server(("127.0.0.1", port))
        self.blob: bytes | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            if self.blob is not None:
                conn.sendall(self.blob)
            try:
                while chunk := conn.recv(65536):
                    conn.sendall(chunk)
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


def _round_trips(
    send: Callable[[bytes], object], inbox_len: Callable[[], int], wait: Callable[[int], None]
) -> list[float]:
    times = []
    for i in range(WARMUP + ROUNDS):
        target = inbox_len() + 1
        started = time.perf_counter()
        send(b"x")
        wait(target)
        if i >= WARMUP:
            times.append((time.perf_counter() - started) * 1000)
    return times


def _direct_socket_rtts(port: int) -> list[float]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        got = [0]

        def wait(n: int) -> None:
            while got[0] < n:
                got[0] += len(sock.recv(65536))

        return _round_trips(sock.sendall, lambda: got[0], wait)


def _direct_pty_rtts() -> list[float]:
    master, slave = pty.openpty()
    process = subprocess.Popen(["sh", "-c", "stty raw -echo; echo ready; exec cat"],  # noqa: S607
                               stdin=slave, stdout=slave, stderr=slave, start_new_session=True)  # fmt: skip
    os.close(slave)
    buffer = bytearray()

    def wait(n: int) -> None:
        while len(buffer) < n:
            select.select([master], [], [], 5)
            buffer.extend(os.read(master, 65536))

    try:
        while b"ready" not in buffer:
            wait(len(buffer) + 1)
        buffer.clear()
        return _round_trips(lambda b: os.write(master, b), lambda: len(buffer), wait)
    finally:
        process.kill()
        process.wait()
        os.close(master)


def _ssh_rtts(argv: list[str], env: dict[str, str]) -> list[float]:
    """Round trips through an ssh session whose remote PTY runs ``stty raw -echo; cat`` (-tt: a PTY although
    this end is a pipe)."""
    process = subprocess.Popen([*argv[:1], "-tt", *argv[1:], "stty raw -echo; echo rea''dy; exec cat"],  # noqa: S603
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                               bufsize=0)  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    out, stdin = process.stdout.fileno(), process.stdin
    buffer = bytearray()

    def wait(n: int) -> None:
        while len(buffer) < n:
            if not select.select([out], [], [], 30)[0]:
                raise RuntimeError(f"ssh gave {len(buffer)} of {n} bytes")
            chunk = os.read(out, 65536)
            if not chunk:
                raise RuntimeError("ssh ended")
            buffer.extend(chunk)

    try:
        while b"ready" not in buffer:
            wait(len(buffer) + 1)
        del buffer[: buffer.index(b"ready") + len(b"ready")]
        time.sleep(0.2)
        while select.select([out], [], [], 0.1)[0]:  # the line end after "ready"
            buffer.extend(os.read(out, 65536))
        buffer.clear()

        def send(data: bytes) -> None:
            stdin.write(data)

        return _round_trips(send, lambda: len(buffer), wait)
    finally:
        process.kill()
        process.wait()


def _ssh_output_seconds(argv: list[str], env: dict[str, str], size: int) -> float:
    """Seconds from the first byte to the last of ``size`` bytes that ``head -c`` prints through ssh (no PTY)."""
    process = subprocess.Popen([*argv, f"head -c {size} /dev/zero"], stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    assert process.stdout is not None
    received, first = 0, 0.0
    while chunk := process.stdout.read1(1 << 20):
        if not first:
            first = time.perf_counter()
        received += len(chunk)
    process.wait()
    if received != size:
        raise RuntimeError(f"ssh printed {received} of {size} bytes")
    return time.perf_counter() - first


def _row(name: str, times: list[float], baseline: float | None) -> tuple[str, ...]:
    p50 = statistics.median(times)
    ratio = f"{p50 / baseline:.1f}x" if baseline else "1.0x"
    return (name, f"{p50:.2f}", f"{percentile(times, 99):.2f}", ratio)


class Rig:
    """A local cloud, an agent with one active allocation, and a customer's SDK client."""

    def __init__(self, cloud: Any) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from gpuaas_client import Client

        from localcloud.agents import AgentFleet

        self.cloud = cloud
        operator = Client(cloud.api_url).dev_token("bench-op", "gpuaas-ops", "operator").access_token
        admin = {"Authorization": f"Bearer {operator}"}
        import httpx

        http = httpx.Client(base_url=cloud.api_url, timeout=30)
        sku = http.post("/v1/admin/skus", json=sku_body("bench-tty-sku"), headers=admin).json()
        image = {"name": "bench-tty-img", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12"}
        image = http.post("/v1/admin/os-images", json=image, headers=admin).json()
        token = http.post("/v1/admin/bootstrap-tokens", json={"sku_id": sku["id"], "ttl_seconds": 600},
                          headers=admin).json()["token"]  # fmt: skip
        self.fleet = AgentFleet(cloud.api_url)
        self.fleet.start(HOST, token, 1, "H100-80GB-SXM")
        access = Client(cloud.api_url).dev_token("bench-tty-user", "bench-tty-org", "member").access_token
        self.sdk = Client(cloud.api_url, access_token=access)
        private = ed25519.Ed25519PrivateKey.generate()
        self.workdir = Path(tempfile.mkdtemp(prefix="gpuaas-bench-tty-"))
        self.identity = self.workdir / "id_ed25519"
        self.identity.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                                        serialization.NoEncryption()))  # fmt: skip
        self.identity.chmod(0o600)
        public = private.public_key()
        key = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        self.sdk.add_ssh_key("bench", key)
        deadline = time.monotonic() + 60
        while True:
            try:
                allocation = self.sdk.create_allocation(sku["id"], image["id"], idempotency_key=str(uuid.uuid4()))
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # the agent is still registering
        self.allocation_id = self.sdk.wait_until_active(allocation.id, timeout=60).id
        sandbox = self.fleet.root / HOST / "sandbox" / "allocations" / self.allocation_id
        self.sandbox = Path(sandbox)
        self.port = int((self.sandbox / "port").read_text())
        connection = self.sdk.get_allocation_ssh(self.allocation_id)
        self.ssh_user = connection.user
        known_hosts = self.workdir / "known_hosts"
        known_hosts.write_text(f"{connection.known_hosts}\n")
        self.cli_env = {**os.environ, "GPUAAS_CONFIG_DIR": str(self.workdir / "cli"), "GPUAAS_API_URL": cloud.api_url}
        login = [sys.executable, "-m", "gpuaas_client.cli", "login", "--dev", "--user", "bench-tty-user",
                 "--org", "bench-tty-org", "--role", "member"]  # fmt: skip
        subprocess.run(login, env=self.cli_env, check=True, capture_output=True, timeout=60)  # noqa: S603
        proxy = shlex.join([sys.executable, "-m", "gpuaas_client.cli", "ssh-proxy", self.allocation_id])
        base = ["ssh", "-F", "/dev/null", "-i", str(self.identity), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={known_hosts}", "-o", "LogLevel=ERROR",
                "-p", str(self.port)]  # fmt: skip
        target = f"{self.ssh_user}@{connection.host}"
        self.direct_ssh = [*base, target]
        self.relay_ssh = [*base, "-o", f"ProxyCommand={proxy}", target]

    def stop_sshd(self) -> None:
        """Free the allocation's port for the scripted server (the agent restarts the sshd on a re-provision)."""
        from gpuaas_agent.executors import sshd

        ssh_dir = self.sandbox / "ssh"
        sshd.stop_sshd(sshd.running_sshd(ssh_dir / "sshd.pid", ssh_dir / "sshd_config"), self.allocation_id)

    def session(self, kind: str) -> tuple[Any, Inbox]:
        from gpuaas_client.terminal import RelaySession

        inbox = Inbox()
        session = RelaySession(self.sdk, self.allocation_id, kind=kind, on_data=inbox.feed).start()
        wait_until(session.peer_connected.is_set, 30, "the agent's side")
        return session, inbox

    def close(self) -> None:
        self.fleet.signal_stop()
        self.fleet.wait()
        # The allocation is never released: its tmux server (if a shell outlived its session) goes here.
        subprocess.run(["tmux", "-L", f"gpuaas-{self.allocation_id}", "kill-server"],  # noqa: S603, S607
                       capture_output=True, check=False)  # fmt: skip
        shutil.rmtree(self.workdir, ignore_errors=True)


def run() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[tuple[str, str]]]:
    from localcloud.cloud import LocalCloud

    cloud = LocalCloud(api_port=0, ws_port=0, pollers="manual", retry_failed_after=0).start()
    try:
        rig = Rig(cloud)
        try:
            return _measure(rig)
        finally:
            rig.close()
    finally:
        cloud.stop()


def _measure(rig: Rig) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[tuple[str, str]]]:
    size = OUTPUT_MB * 1024 * 1024
    direct_ssh = _ssh_rtts(rig.direct_ssh, rig.cli_env)
    relay_ssh_client = _ssh_rtts(rig.relay_ssh, rig.cli_env)
    session, inbox = rig.session("shell")
    session.write(b"stty raw -echo; echo rea''dy; exec cat\n")
    wait_until(lambda: b"ready" in bytes(inbox.data), 30, "the shell")
    time.sleep(0.5)  # let tmux settle its redraw
    relay_shell_vs_ssh = _round_trips(session.write, lambda: len(inbox.data), inbox.wait_len)
    session.close("bench done")
    session.wait(10)
    direct_ssh_s = _ssh_output_seconds(rig.direct_ssh, rig.cli_env, size)
    relay_ssh_s = _ssh_output_seconds(rig.relay_ssh, rig.cli_env, size)
    rig.stop_sshd()
    server = PortServer(rig.port)
    try:
        direct_socket = _direct_socket_rtts(rig.port)
        session, inbox = rig.session("ssh")
        relay_ssh = _round_trips(session.write, lambda: len(inbox.data), inbox.wait_len)
        session.close()
        session.wait(10)

        direct_pty = _direct_pty_rtts()
        session, inbox = rig.session("shell")
        session.write(b"stty raw -echo; echo rea''dy; exec cat\n")
        wait_until(lambda: b"ready" in bytes(inbox.data), 30, "the shell")
        time.sleep(0.5)  # let tmux settle its redraw
        relay_shell = _round_trips(session.write, lambda: len(inbox.data), inbox.wait_len)
        session.close("bench done")
        session.wait(10)

        blob = os.urandom(OUTPUT_MB * 1024 * 1024)
        server.blob = blob
        with socket.create_connection(("127.0.0.1", rig.port)) as sock:
            received, first = 0, 0.0
            while received < len(blob):
                chunk = sock.recv(1 << 20)
                if not first:
                    first = time.perf_counter()
                received += len(chunk)
            direct_s = time.perf_counter() - first
        session, inbox = rig.session("ssh")
        inbox.wait_len(len(blob), timeout=300)
        relay_s = time.perf_counter() - inbox.first_at
        exact = bytes(inbox.data[: len(blob)]) == blob
        frames = session.link.stream.received_seq
        session.close()
        session.wait(10)
    finally:
        server.close()

    socket_p50 = statistics.median(direct_socket)
    pty_p50 = statistics.median(direct_pty)
    ssh_p50 = statistics.median(direct_ssh)
    rtt = [
        _row("direct SSH to the allocation's sshd, stty raw; cat (baseline)", direct_ssh, None),
        _row("SSH through the relay (gpuaas ssh-proxy), same command", relay_ssh_client, ssh_p50),
        _row("relay, kind shell, stty raw; cat, against direct SSH", relay_shell_vs_ssh, ssh_p50),
        _row("direct loopback TCP echo (baseline for ssh)", direct_socket, None),
        _row("relay, kind ssh, to the same echo server", relay_ssh, socket_p50),
        _row("direct PTY, stty raw; cat (baseline for shell)", direct_pty, None),
        _row("relay, kind shell, stty raw; cat (tmux)", relay_shell, pty_p50),
    ]
    mb = len(blob) / 1e6
    throughput = [
        ("direct SSH, head -c", f"{mb:.1f}", f"{direct_ssh_s:.3f}", f"{mb / direct_ssh_s:.1f}", "1.0x"),
        (
            "SSH through the relay, head -c",
            f"{mb:.1f}",
            f"{relay_ssh_s:.3f}",
            f"{mb / relay_ssh_s:.1f}",
            f"{relay_ssh_s / direct_ssh_s:.0f}x slower",
        ),
        ("direct loopback TCP", f"{mb:.1f}", f"{direct_s:.3f}", f"{mb / direct_s:.1f}", "1.0x"),
        ("relay, kind ssh", f"{mb:.1f}", f"{relay_s:.3f}", f"{mb / relay_s:.1f}", f"{relay_s / direct_s:.0f}x slower"),
    ]
    notes = [
        ("bytes through the relay arrived exactly as sent", str(exact)),
        ("data frames for the 10 MB (16 KB each)", str(frames)),
    ]
    return rtt, throughput, notes


THROUGHPUT_HEADER = ("path", "MB", "seconds", "MB/s", "vs direct")


def rtt_title() -> str:
    return f"Terminal: keystroke to echo, {ROUNDS} single bytes after {WARMUP} (ratio to the direct path)"


def throughput_title() -> str:
    return f"Terminal: {OUTPUT_MB} MB of output through the relay (first byte to last)"
