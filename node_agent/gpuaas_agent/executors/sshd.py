"""OpenSSH pieces both executors share: an allocation's host key, its ``sshd_config``, and the processes of a
per-allocation ``sshd`` (found through its pid file, re-adopted after an agent restart, stopped with its sessions).

An sshd that is not root can only log in the account it runs as, and it runs no privilege separation; the
sandbox executor relies on that (see node_agent/README.md, "SSH").
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gpuaas_agent.executors.base import ExecutorError

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "ssh-keygen"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"
PRIVSEP_DIR = "/run/sshd"
HOST_KEY_TYPE = "ssh-ed25519"
# The marker every login of an allocation carries in its environment: release kills what carries it.
ALLOCATION_ENV = "GPUAAS_ALLOCATION_ID"
_HOST_KEY_RE = re.compile(r"^ssh-ed25519 [A-Za-z0-9+/]+={0,2}$")
# sshd_config takes a token per keyword; these characters would need quoting (or would end the token).
_UNSAFE_PATH = re.compile(r"[\s\"'\\#$`]")


@dataclass(frozen=True, slots=True)
class HostKey:
    public: str  # "ssh-ed25519 AAAA..." (no comment)
    fingerprint: str  # "SHA256:..." as ssh-keygen -l and ssh print it


def fingerprint(public_key: str) -> str:
    """``SHA256:<base64 of the key blob's digest, unpadded>``: what ``ssh-keygen -l -E sha256`` prints."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def ensure_host_key(path: Path, comment: str) -> HostKey:
    """The ed25519 host key at ``path`` (private, 0600) and ``path.pub``; generated once, kept after."""
    public_path = path.with_name(path.name + ".pub")
    if not (path.exists() and public_path.exists()):
        for stale in (path, public_path):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        run = subprocess.run(  # noqa: S603 - a fixed argv
            [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if run.returncode != 0:
            raise ExecutorError(f"ssh-keygen failed: {run.stderr.strip()[:300]}")
    os.chmod(path, 0o600)
    os.chmod(public_path, 0o644)
    parts = public_path.read_text().split()
    public = " ".join(parts[:2])
    if len(parts) < 2 or not _HOST_KEY_RE.match(public):
        raise ExecutorError(f"unexpected host key in {public_path}")
    return HostKey(public, fingerprint(public))


def checked_path(path: Path) -> str:
    """``path`` as an sshd_config token; a path sshd would split or misread is refused."""
    text = str(path)
    if _UNSAFE_PATH.search(text):
        raise ExecutorError(f"the sandbox path {text!r} holds characters sshd_config cannot take")
    return text


def strict_modes_problem(path: Path, uid: int, home: str) -> str | None:
    """Why sshd's StrictModes would refuse ``path`` (an authorized_keys file) for the user ``uid`` whose
    home is ``home``, or None. sshd checks the file and each directory above it, up to the home directory
    or up to ``/``: each must be owned by root or the user and be writable by no one else."""
    current = path.resolve()
    home_path = Path(home).resolve() if home else None
    for entry in (current, *current.parents):
        try:
            st = entry.stat()
        except FileNotFoundError:
            continue
        if st.st_uid not in (0, uid) or st.st_mode & 0o022:
            return f"{entry} is writable by others or owned by someone else (mode {stat.filemode(st.st_mode)})"
        if entry == home_path:
            break
    return None


def account() -> pwd.struct_passwd:
    """The agent's own OS account: the only one an sshd started by it can log in."""
    return pwd.getpwuid(os.geteuid())


def port_is_free(port: int, address: str = "") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def sshd_config(
    *,
    port: int,
    host_key: Path,
    authorized_keys: str,
    pid_file: Path | None,
    user: str,
    environment: Mapping[str, str],
    force_command: str | None,
    listen_address: str | None = None,
    tcp_forwarding: bool = False,
    agent_forwarding: bool = False,
) -> str:
    """An sshd_config that accepts public keys only, for ``user`` only, with no forwarding unless asked."""
    for name, value in environment.items():
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name) or _UNSAFE_PATH.search(value):
            raise ExecutorError(f"cannot put {name}={value!r} into sshd_config")
    lines = [
        "# Written by gpuaas-agent; rewritten at each provision.",
        f"Port {port}",
        *([f"ListenAddress {listen_address}"] if listen_address else []),
        f"HostKey {checked_path(host_key)}",
        *([f"PidFile {checked_path(pid_file)}"] if pid_file else []),
        f"AuthorizedKeysFile {authorized_keys}",
        f"AllowUsers {user}",
        f"PermitRootLogin {'prohibit-password' if user == 'root' else 'no'}",
        "UsePAM no",
        "PubkeyAuthentication yes",
        "AuthenticationMethods publickey",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "HostbasedAuthentication no",
        "PermitEmptyPasswords no",
        "StrictModes yes",
        f"AllowTcpForwarding {'yes' if tcp_forwarding else 'no'}",
        f"AllowAgentForwarding {'yes' if agent_forwarding else 'no'}",
        "AllowStreamLocalForwarding no",
        "X11Forwarding no",
        "PermitTunnel no",
        "PermitUserEnvironment no",
        "PermitUserRC no",
        "PrintMotd no",
        "ClientAliveInterval 30",
        "ClientAliveCountMax 4",
        "LogLevel INFO",
        f"Subsystem sftp {SFTP_SERVER}",
    ]
    if environment:
        lines.append("SetEnv " + " ".join(f"{k}={v}" for k, v in environment.items()))
    if force_command:
        lines.append(f"ForceCommand {force_command}")
    return "\n".join(lines) + "\n"


# Processes --------------------------------------------------------------------------------------------------


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) from /proc/<pid>/stat, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _pids() -> Iterator[int]:
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                yield int(entry.name)


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is an exited child of ours (else it would stay a zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def listener_config(pid: int) -> str | None:
    """The config path of ``pid`` if it is a listening sshd started as ``sshd -D ... -f CONFIG``. A listener
    renames itself (``sshd: /usr/sbin/sshd -D -e -f CONFIG [listener] ...``, one string), so the words are
    read across the arguments; a connection's child re-executes sshd with ``-R`` before it renames itself."""
    words = " ".join(_cmdline(pid)).split()
    if not any(w.endswith("sshd") or w == "sshd:" for w in words[:2]) or "-D" not in words or "-R" in words:
        return None
    with contextlib.suppress(ValueError, IndexError):
        return words[words.index("-f") + 1]
    return None


def serves(pid: int, config: Path) -> bool:
    """Whether ``pid`` is a live sshd listening for ``config``."""
    state = _stat(pid)
    if state is None or state[0] in ("Z", "X"):
        _reap(pid)
        return False
    return listener_config(pid) == str(config)


def running_sshd(pid_file: Path, config: Path) -> int | None:
    """The pid of the sshd that serves ``config``: the pid file's if it is still that sshd, else any
    process that serves it (an sshd whose pid file was lost)."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        pid = int(pid_file.read_text().split()[0])
        if serves(pid, config):
            return pid
    for pid in _pids():
        if pid != os.getpid() and serves(pid, config):
            return pid
    return None


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for other in _pids():
        state = _stat(other)
        if state is not None:
            children.setdefault(state[1], []).append(other)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def marked(allocation_id: str) -> set[int]:
    """Processes whose environment says they belong to ``allocation_id`` (its logins and what they left
    running, even when it left the sshd's process tree)."""
    needle = f"{ALLOCATION_ENV}={allocation_id}".encode()
    found = set()
    for pid in _pids():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and pid != os.getpid():
            found.add(pid)
    return found


def _kill(pids: Iterable[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def start_sshd(config: Path, pid_file: Path, log_path: Path, timeout: float = 10.0) -> int:
    """Start ``sshd -D -e -f config`` in its own session (it outlives the agent) and wait until it listens
    (sshd writes its pid file once its sockets are bound)."""
    if os.geteuid() == 0:
        # As root, sshd separates privileges into this empty directory (made by the init system when the
        # host runs its own sshd, which a bare host or a CI container does not).
        Path(PRIVSEP_DIR).mkdir(mode=0o755, exist_ok=True)
    check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True, check=False, timeout=30)  # noqa: S603
    if check.returncode != 0:
        raise ExecutorError(f"sshd refused its configuration: {check.stderr.strip()[:300]}")
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        process = subprocess.Popen(  # noqa: S603 - a fixed argv
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        os.close(fd)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ExecutorError(f"sshd exited with {process.returncode}: {_tail(log_path)}")
        with contextlib.suppress(FileNotFoundError, ValueError):
            if int(pid_file.read_text().split()[0]) == process.pid:
                return process.pid
        time.sleep(0.02)
    process.kill()
    process.wait()
    raise ExecutorError(f"sshd did not start listening within {timeout:.0f} s: {_tail(log_path)}")


def _tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-3:])[:300]
    return ""


def stop_sshd(pid: int | None, allocation_id: str, timeout: float = 5.0) -> None:
    """Stop the allocation's sshd and every process of its sessions (SIGKILL: the allocation is over)."""
    if pid is not None:
        doomed = descendants(pid)
        _kill([pid])
        _kill(doomed)
    for _ in range(3):  # a session may have forked while it was being killed
        found = marked(allocation_id)
        if not found:
            break
        _kill(found)
        time.sleep(0.05)
    if pid is not None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _reap(pid)
            state = _stat(pid)
            if state is None or state[0] in ("Z", "X"):
                _reap(pid)
                return
            time.sleep(0.02)


def stop_servers_under(root: Path, parent: int | None = None) -> int:
    """Stop every sshd whose config lies under ``root`` (and, given ``parent``, that ``parent`` started),
    with its sessions; for a demo fleet's or a test's teardown. Returns how many."""
    prefix = str(root.resolve()) + os.sep
    stopped = 0
    for pid in list(_pids()):
        config = listener_config(pid) or ""
        state = _stat(pid)
        if not config.startswith(prefix) or state is None or (parent is not None and state[1] != parent):
            continue
        allocation_id = Path(config).parent.parent.name
        stop_sshd(pid, allocation_id)
        stopped += 1
    return stopped
