"""The two things a terminal session can be attached to on the host: a shell in a PTY, or the allocation's sshd.

A shell runs in the allocation's sandbox: its cwd is the allocation user's home inside the allocation's
directory (the directory itself when there is no home), ``HOME`` that home, ``CUDA_VISIBLE_DEVICES`` the
allocation's GPUs (its ``gpus`` file). With tmux installed, the shell runs inside
``tmux new-session -A -s gpuaas-<session_id>`` on a tmux server of the allocation's own
(``tmux -L gpuaas-<allocation_id>``): the session outlives the agent, an agent that restarts attaches to it
again (tmux redraws the screen and keeps the scrollback), and releasing the allocation kills that server.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Protocol

from gpuaas_agent.executors import sshd
from gpuaas_agent.executors.base import AllocationDirs

READ_BYTES = 16 * 1024
TMUX_CONFIG = """\
set -g status off
set -g prefix None
unbind C-b
set -g escape-time 0
set -g history-limit 50000
set -g default-terminal "screen-256color"
"""
# Makes the PTY the shell's controlling terminal (job control, ^C), then runs the shell: a fresh
# interpreter does it, not a preexec_fn in the agent's threaded process.
_CTTY = "import fcntl,os,sys,termios;os.setsid();fcntl.ioctl(0,termios.TIOCSCTTY,0);os.execvp(sys.argv[1],sys.argv[1:])"


class SessionError(Exception):
    """The session cannot be attached (no such allocation here, no sshd listening)."""


class Endpoint(Protocol):
    """The host side of a session: bytes in, bytes out."""

    def read(self) -> bytes:
        """The next bytes (blocks); ``b""`` once it is over (the shell exited, the socket closed)."""
        ...

    def write(self, data: bytes) -> None: ...

    def resize(self, cols: int, rows: int) -> None: ...

    def close(self) -> None:
        """Let go of it (a shell in tmux lives on)."""
        ...

    def kill(self) -> None:
        """End it for good (the shell, its tmux session)."""
        ...


def tmux_socket(allocation_id: str) -> str:
    return f"gpuaas-{allocation_id}"


def tmux_session(session_id: str) -> str:
    return f"gpuaas-{session_id}"


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


def kill_allocation_tmux(allocation_id: str) -> None:
    """Kill the allocation's tmux server and every shell in it (a no-op when it has none)."""
    if not have_tmux():
        return
    subprocess.run(  # noqa: S603 - a fixed argv
        ["tmux", "-L", tmux_socket(allocation_id), "kill-server"],  # noqa: S607
        capture_output=True,
        timeout=10,
        check=False,
    )


def _winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Sandbox:
    """Where an allocation's shell runs, read from the sandbox's files."""

    def __init__(self, dirs: AllocationDirs) -> None:
        self.dirs = dirs

    def exists(self, allocation_id: str) -> bool:
        return self.dirs.path(allocation_id).is_dir()

    def home(self, allocation_id: str) -> tuple[str, Path]:
        """The account a login uses (the agent's own, as for the allocation's sshd) and the allocation's home
        (the allocation's directory when it has none)."""
        base = self.dirs.path(allocation_id)
        return sshd.account().pw_name, base / "home" if (base / "home").is_dir() else base

    def bin_dir(self, allocation_id: str) -> Path:
        """What the allocation puts first on a login's PATH (the nvidia-smi stand-in on a host without one)."""
        return self.dirs.path(allocation_id) / "bin"

    def gpus(self, allocation_id: str) -> str:
        try:
            text = (self.dirs.path(allocation_id) / "gpus").read_text()
        except FileNotFoundError:
            return ""
        return ",".join(line.strip() for line in text.splitlines() if line.strip())

    def ssh_port(self, allocation_id: str) -> int:
        try:
            return int((self.dirs.path(allocation_id) / "port").read_text())
        except (FileNotFoundError, ValueError):
            raise SessionError(f"allocation {allocation_id} has no ssh port here") from None


class Shell:
    """A login shell in a PTY (inside tmux when installed), in the allocation's sandbox."""

    def __init__(
        self, sandbox: Sandbox, allocation_id: str, session_id: str, cols: int, rows: int, *, tmux: bool | None = None
    ) -> None:
        if not sandbox.exists(allocation_id):
            raise SessionError(f"allocation {allocation_id} is not on this host")
        self.allocation_id = allocation_id
        self.session_id = session_id
        self.tmux = have_tmux() if tmux is None else tmux
        user, home = sandbox.home(allocation_id)
        login = os.environ.get("SHELL") if os.environ.get("SHELL", "").startswith("/") else None
        shell = login or shutil.which("bash") or "/bin/sh"
        path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
        if sandbox.bin_dir(allocation_id).is_dir():
            path = f"{sandbox.bin_dir(allocation_id)}:{path}"
        # The environment of an SSH login to the same allocation (its home, its GPUs, its PATH).
        env = {
            "PATH": path,
            "HOME": str(home),
            "SHELL": shell,
            "TERM": "xterm-256color",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "CUDA_VISIBLE_DEVICES": sandbox.gpus(allocation_id),
            sshd.ALLOCATION_ENV: allocation_id,
            "USER": user,
            "LOGNAME": user,
        }
        # Interactive, not a login shell: a login shell's /etc/profile would reset PATH.
        argv = [shell, "-i"]
        if self.tmux:
            config = sandbox.dirs.path(allocation_id) / ".tmux.conf"
            sandbox.dirs.write(config, TMUX_CONFIG, 0o644)
            argv = ["tmux", "-L", tmux_socket(allocation_id), "-f", str(config),
                    "new-session", "-A", "-s", tmux_session(session_id), *argv]  # fmt: skip
        self.master, slave = os.openpty()
        try:
            _winsize(slave, cols, rows)
            self.process = subprocess.Popen(  # noqa: S603 - an argv, no shell
                [sys.executable, "-c", _CTTY, *argv],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=home,
                env=env,
                close_fds=True,
            )
        finally:
            os.close(slave)

    def read(self) -> bytes:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 1.0)
                if not ready:
                    if self.process.poll() is not None and not self._pending():
                        return b""
                    continue
                return os.read(self.master, READ_BYTES)
            except OSError as exc:
                if exc.errno == errno.EIO or exc.errno == errno.EBADF:  # the PTY's other side is gone
                    return b""
                raise

    def _pending(self) -> bool:
        with contextlib.suppress(OSError):
            ready, _, _ = select.select([self.master], [], [], 0)
            return bool(ready)
        return False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 1.0)
                continue
            except OSError:
                return  # the shell is gone; read() says so
            view = view[written:]

    def resize(self, cols: int, rows: int) -> None:
        with contextlib.suppress(OSError):
            _winsize(self.master, cols, rows)  # the kernel sends SIGWINCH to the PTY's foreground group

    def close(self) -> None:
        """Detach: without tmux the shell ends (SIGHUP); with tmux only this client ends, the shell stays."""
        with contextlib.suppress(OSError):
            os.close(self.master)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGHUP)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def kill(self) -> None:
        """End the shell itself (a closed session): its tmux session too."""
        if self.tmux:
            subprocess.run(  # noqa: S603 - a fixed argv
                ["tmux", "-L", tmux_socket(self.allocation_id), "kill-session", "-t", tmux_session(self.session_id)],  # noqa: S607
                capture_output=True,
                timeout=10,
                check=False,
            )
        self.close()


class SshPipe:
    """The bytes of a TCP connection to the allocation's sshd on the host's loopback."""

    def __init__(self, sandbox: Sandbox, allocation_id: str, *, host: str = "127.0.0.1", timeout: float = 10) -> None:
        if not sandbox.exists(allocation_id):
            raise SessionError(f"allocation {allocation_id} is not on this host")
        port = sandbox.ssh_port(allocation_id)
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise SessionError(f"no sshd on {host}:{port}: {exc}") from exc
        self.sock.settimeout(None)

    def read(self) -> bytes:
        try:
            return self.sock.recv(READ_BYTES)
        except OSError:
            return b""

    def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(data)

    def resize(self, cols: int, rows: int) -> None:
        pass  # ssh carries its own window size

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def kill(self) -> None:
        self.close()
