"""``terminal``: a shell on an active allocation through the relay; ``ssh-proxy``: SSH's bytes through it.

Both work on hosts that accept no inbound connection (doc/terminal.md). ``gpuaas terminal ID`` puts the
local terminal in raw mode (restored on exit), sends its size and every change of it (SIGWINCH), and
reconnects by itself with a fresh ticket for the same session when the connection drops. ``gpuaas ssh-proxy
ID`` is an SSH ``ProxyCommand``: ``ssh -o ProxyCommand='gpuaas ssh-proxy ID' USER@HOST`` (and scp, sftp);
SSH's own authentication and host-key check run end to end inside it.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import sys
import termios
import threading
import tty
from collections.abc import Iterator
from types import FrameType
from typing import TextIO

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.sdk import Client, GpuaasError
from gpuaas_client.terminal import RelaySession

READ_BYTES = 16 * 1024
CONNECT_SECONDS = 30.0
# Ends that are the session running its course, not a failure.
NORMAL_ENDS = frozenset({"exited", "client closed", "connection closed", "allocation released", "allocation_ended"})


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
        except OSError:
            return  # the reader went away (a closed pipe): nothing more to show


@contextlib.contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    """The terminal at ``fd`` in raw mode (keys go straight to the remote shell), restored however this ends."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _size(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
        return size.columns, size.lines
    except OSError:
        fallback = shutil.get_terminal_size()
        return fallback.columns, fallback.lines


def relay(
    client: Client,
    allocation_id: str,
    *,
    kind: str,
    stdin: int,
    stdout: int,
    stderr: TextIO,
    raw: bool = False,
    connect_seconds: float = CONNECT_SECONDS,
    peer_wait: float = 5.0,
) -> int:
    """Pump ``stdin`` to the session and the session to ``stdout`` until it ends; the exit code.

    ``raw``: ``stdin`` is the user's terminal (raw mode, its size, SIGWINCH). At the end of ``stdin`` an
    ``ssh`` session is closed; a shell is sent ^D (it exits, and the session ends with it)."""
    wake_r, wake_w = os.pipe()
    resized = threading.Event()

    def wake() -> None:
        with contextlib.suppress(OSError):
            os.write(wake_w, b"!")

    cols, rows = _size(stdin if raw else stdout)
    session = RelaySession(client, allocation_id, kind=kind, cols=cols, rows=rows,
                           on_data=lambda data: _write_all(stdout, data), on_end=wake,
                           peer_wait=peer_wait)  # fmt: skip
    session.start()
    previous = None
    try:
        if not _await_first_connection(session, connect_seconds):
            if session.error is not None:
                raise session.error
            raise GpuaasError(f"cannot open a terminal on {allocation_id}: {session.close_reason or 'timed out'}")
        if raw and threading.current_thread() is threading.main_thread():

            def on_winch(_signum: int, _frame: FrameType | None) -> None:
                resized.set()
                wake()

            previous = signal.signal(signal.SIGWINCH, on_winch)
        with raw_mode(stdin) if raw else contextlib.nullcontext():
            _pump(session, stdin, wake_r, resized, kind=kind, raw=raw)
    finally:
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)
        if not session.link.stopped.is_set():
            session.link.stop()
        session.wait(5)
        os.close(wake_r)
        os.close(wake_w)
    reason = session.close_reason or "closed"
    if kind == "shell":
        stderr.write(f"Connection to {allocation_id} closed ({reason}).\n")
        stderr.flush()
    return 0 if reason in NORMAL_ENDS else 1


def _await_first_connection(session: RelaySession, seconds: float) -> bool:
    deadline = threading.Event()
    timer = threading.Timer(seconds, deadline.set)
    timer.daemon = True
    timer.start()
    try:
        while not session.link.connects and not session.link.stopped.is_set() and not deadline.is_set():
            session.link.stopped.wait(0.02)
        return session.link.connects > 0
    finally:
        timer.cancel()


class Escape:
    """ssh's escape, at the start of a line: ``~.`` ends the session, ``~~`` sends one ``~``; any other
    character after ``~`` goes with it."""

    def __init__(self) -> None:
        self.line_start = True
        self.tilde = False
        self.ended = False

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            if self.tilde:
                self.tilde = False
                if byte == ord("."):
                    self.ended = True
                    return bytes(out)
                out.append(ord("~"))
                if byte == ord("~"):
                    self.line_start = False
                    continue
            elif self.line_start and byte == ord("~"):
                self.tilde = True
                continue
            out.append(byte)
            self.line_start = byte in (ord("\r"), ord("\n"))
        return bytes(out)


def _pump(session: RelaySession, stdin: int, wake_r: int, resized: threading.Event, *, kind: str, raw: bool) -> None:
    reading = True
    escape = Escape() if raw else None
    while not session.link.stopped.is_set():
        ready, _, _ = select.select([stdin, wake_r] if reading else [wake_r], [], [], 1.0)
        if resized.is_set():
            resized.clear()
            session.resize(*_size(stdin))
        if wake_r in ready:
            os.read(wake_r, 1024)
        if stdin in ready:
            data = os.read(stdin, READ_BYTES)
            if data and escape is not None:
                data = escape.feed(data) or b""
                if escape.ended:
                    if data:
                        session.write(data)
                    session.close("client closed")
                    return
                if not data:
                    continue
            if data:
                session.write(data)
            elif kind == "ssh":
                session.close("connection closed")
            else:
                reading = False
                if not raw:
                    session.write(b"\x04")  # end of input: the shell exits, as it would over ssh


@click.command(
    "terminal",
    short_help="A shell on an active allocation, through the relay.",
    help="Open an interactive shell on an active allocation through the control plane's relay: no port on "
    "the host needs to be reachable. The shell runs in tmux on the host when tmux is installed there, so "
    "a dropped connection (this end reconnects by itself) or an agent restart loses nothing. "
    "Type ~. at the start of a line to end the session (~~ sends a ~).",
)
@click.argument("allocation_id")
@with_context
def terminal(ctx: Context, allocation_id: str) -> int:
    client = ctx.authed()
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    for stream in (ctx.out.out, ctx.out.err):
        stream.flush()
    return relay(client, allocation_id, kind="shell", stdin=stdin, stdout=stdout, stderr=ctx.out.err,
                 raw=os.isatty(stdin))  # fmt: skip


@click.command(
    "ssh-proxy",
    hidden=True,
    help="SSH ProxyCommand: pipe stdin and stdout to the allocation's sshd through the relay. "
    "ssh -o ProxyCommand='gpuaas ssh-proxy ALLOCATION_ID' USER@HOST",
)
@click.argument("allocation_id")
@with_context
def ssh_proxy(ctx: Context, allocation_id: str) -> int:
    client = ctx.authed()
    return relay(client, allocation_id, kind="ssh", stdin=sys.stdin.fileno(), stdout=sys.stdout.fileno(),
                 stderr=ctx.out.err)  # fmt: skip


COMMANDS = [terminal, ssh_proxy]
