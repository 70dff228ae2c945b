"""``ssh`` and ``ssh-config``: connect to active allocations, checking their host keys.

No host key is trusted on first use: the API reports each allocation's host key (as its node's agent read it
when it built the allocation) as a ``known_hosts`` line; the CLI keeps those lines in a known_hosts file of its
own (``<config dir>/known_hosts``, 0600) and runs the system ``ssh`` with ``StrictHostKeyChecking=yes`` against
that file only, so a host that shows another key is refused.

:func:`ssh_command` and :func:`ssh_config_stanza` take an optional ``proxy_command``: the seam for reaching a
host through the terminal relay (``--relay`` passes ``gpuaas ssh-proxy`` there as the ``ProxyCommand``).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import click

from gpuaas_client._api.models import Allocation, Connection
from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.credentials import DIR_MODE, atomic_write, config_dir
from gpuaas_client.sdk import GpuaasError

KNOWN_HOSTS = "known_hosts"
# The one kind of line the API gives: ``[host]:port ssh-ed25519 AAAA...`` (the bare host for port 22).
_KNOWN_HOSTS_RE = re.compile(r"^(\S+) (ssh-ed25519) ([A-Za-z0-9+/]+={0,2})$")
_ALIAS_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def known_hosts_path() -> Path:
    return config_dir() / KNOWN_HOSTS


def host_pattern(host: str, port: int) -> str:
    """How known_hosts names ``host`` on ``port``."""
    return host if port == 22 else f"[{host}]:{port}"


def _checked(connection: Connection) -> tuple[str, int, str]:
    """host, port, user of ``connection``; refuses a host or user that ssh would read as an option, or that holds
    spaces or controls (the model holds what the API sent: its types are checked here, not trusted)."""
    host, user, port = connection.host, connection.user, connection.port
    for what, value in (("host", host), ("user", user)):
        if (
            not isinstance(value, str)
            or not value
            or value.startswith("-")
            or "@" in value
            or any(c.isspace() or not c.isprintable() for c in value)
        ):
            raise GpuaasError(f"the API gave an unusable ssh {what}: {value!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise GpuaasError(f"the API gave an unusable ssh port: {port!r}")
    return host, port, user


def known_hosts_line(connection: Connection) -> str:
    """The API's known_hosts line for ``connection``, checked: one line, naming this host and port."""
    host, port, _ = _checked(connection)
    line = connection.known_hosts
    if not line:
        raise GpuaasError("the host reported no host key for this allocation; refusing to connect without checking it")
    match = _KNOWN_HOSTS_RE.match(line) if isinstance(line, str) else None
    if match is None or match.group(1) != host_pattern(host, port):
        raise GpuaasError(f"the API gave an unusable known_hosts line: {line!r}")
    return line


def remember_host_keys(path: Path, lines: Iterable[str]) -> None:
    """Put ``lines`` into the known_hosts file at ``path`` (0600), replacing any line for the same host and port:
    a port a released allocation used may come back with another allocation and another key."""
    new = list(dict.fromkeys(lines))
    replaced = {line.split(" ", 1)[0] for line in new}
    try:
        kept = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and line.split(" ", 1)[0] not in replaced
        ]
    except FileNotFoundError:
        kept = []
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    atomic_write(path, "".join(f"{line}\n" for line in [*kept, *new]).encode(), 0o600)


def ssh_command(
    connection: Connection,
    known_hosts: Path,
    extra: Sequence[str] = (),
    *,
    identity: str | None = None,
    proxy_command: str | None = None,
) -> list[str]:
    """``ssh -p PORT -o StrictHostKeyChecking=yes -o UserKnownHostsFile=FILE [-i KEY] USER@HOST [extra...]``."""
    host, port, user = _checked(connection)
    argv = ["ssh", "-p", str(port), "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={known_hosts}"]
    if identity:
        argv += ["-i", identity, "-o", "IdentitiesOnly=yes"]
    if proxy_command:
        argv += ["-o", f"ProxyCommand={proxy_command}"]
    return [*argv, f"{user}@{host}", *extra]


def _config_value(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


def ssh_config_stanza(
    alias: str,
    connection: Connection,
    known_hosts: Path,
    *,
    identity: str | None = None,
    proxy_command: str | None = None,
) -> str:
    """A ``Host`` block of ssh_config(5) for one allocation (ssh, scp, rsync and editors' remote plugins read it)."""
    host, port, user = _checked(connection)
    lines = [
        f"Host {alias}",
        f"    HostName {host}",
        f"    Port {port}",
        f"    User {user}",
        f"    UserKnownHostsFile {_config_value(str(known_hosts))}",
        "    StrictHostKeyChecking yes",
    ]
    if identity:
        lines += [f"    IdentityFile {_config_value(identity)}", "    IdentitiesOnly yes"]
    if proxy_command:
        lines.append(f"    ProxyCommand {proxy_command}")
    return "\n".join(lines) + "\n"


def aliases(allocations: Sequence[Allocation]) -> dict[str, str]:
    """``gpuaas-<name>`` for each allocation id, or ``gpuaas-<id>`` when the name is not unique or not usable."""
    names = [a.name for a in allocations]
    return {
        a.id: f"gpuaas-{a.name}" if _ALIAS_RE.match(a.name) and names.count(a.name) == 1 else f"gpuaas-{a.id}"
        for a in allocations
    }


def _as_list(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    return list(value)


def _identity(value: str | None) -> str | None:
    if value is None:
        return None
    if not Path(value).expanduser().is_file():
        raise GpuaasError(f"no such key file: {value}")
    return str(Path(value).expanduser())


def relay_proxy_command(ctx: Context, allocation_id: str) -> str:
    """The ``ProxyCommand`` that carries SSH's bytes through the terminal relay (``gpuaas ssh-proxy``), for this
    profile, API and config dir. ssh runs it with the user's shell and expands ``%`` tokens in it, so both are
    escaped. The host key is still checked against the API's line: ssh looks it up by HostName and Port."""
    # The config dir too: ssh may run it later from a shell without this one's environment (an ssh_config block).
    argv = ["env", f"GPUAAS_CONFIG_DIR={config_dir()}", sys.executable, "-m", "gpuaas_client.cli",
            "--profile", ctx.profile_name, "--api-url", ctx.api_url, "ssh-proxy", allocation_id]  # fmt: skip
    return shlex.join(argv).replace("%", "%%")


def _active_connection(allocation: Allocation) -> Connection:
    state, connection = allocation.state, allocation.connection
    if state != "active" or not connection:
        reason = f" ({allocation.reason})" if allocation.reason else ""
        waiting = state in ("pending", "provisioning")
        advice = f"; wait for it: gpuaas allocations get {allocation.id}" if waiting else ""
        raise GpuaasError(f"allocation {allocation.id} is {state}{reason}, not active{advice}")
    return connection


@click.command(
    "ssh",
    short_help="ssh into an active allocation.",
    help="Run the system ssh for an active allocation, checking its host key against the one the API reports "
    "(kept in the CLI's own known_hosts file; never trusted on first use). Arguments after `--` go to ssh: "
    "a command (gpuaas ssh ALLOCATION_ID -- nvidia-smi) or ssh options (-- -L 8888:localhost:8888). "
    "ssh's exit status is this command's.",
)
@click.argument("allocation_id")
@click.argument("ssh_args", nargs=-1, metavar="[-- SSH_ARG ...]", callback=_as_list)
@click.option("-i", "--identity", metavar="KEY", help="The private key to offer (and only that one).")
@click.option("--print", "print_", is_flag=True, help="Print the ssh command instead of running it.")
@click.option(
    "--relay",
    is_flag=True,
    help="Tunnel SSH through the terminal relay (gpuaas ssh-proxy as the ProxyCommand): for hosts with no port "
    "you can reach. SSH's own key and host-key checks still apply end to end.",
)
@with_context
def ssh(ctx: Context, allocation_id: str, ssh_args: list[str], identity: str | None, print_: bool, relay: bool) -> int:
    allocation = ctx.authed().get_allocation(allocation_id)
    connection = _active_connection(allocation)
    path = known_hosts_path()
    remember_host_keys(path, [known_hosts_line(connection)])
    proxy = relay_proxy_command(ctx, allocation.id) if relay else None
    argv = ssh_command(connection, path, ssh_args, identity=_identity(identity), proxy_command=proxy)
    if print_:
        ctx.out.result({"argv": argv, "command": shlex.join(argv)}, shlex.join(argv))
        return 0
    for stream in (ctx.out.out, ctx.out.err):
        stream.flush()
    execvp: Callable[[str, list[str]], object] = os.execvp  # looked up now: tests replace it
    try:
        execvp(argv[0], argv)  # a fixed argv, no shell; replaces this process (ssh's exit status is ours)
    except OSError as exc:
        raise GpuaasError(f"cannot run ssh: {exc.strerror or exc}") from exc
    return 1  # only when execvp is replaced (tests)


@click.command(
    "ssh-config",
    short_help="ssh_config Host blocks for your active allocations.",
    help="Print a `Host gpuaas-<name or id>` block for each active allocation (HostName, Port, User, the CLI's "
    "known_hosts file with StrictHostKeyChecking yes), so that ssh, scp, rsync and editors' remote plugins reach "
    "them by name: gpuaas ssh-config >> ~/.ssh/config, or Include a file you write it to. The host keys go into "
    "the CLI's known_hosts file.",
)
@click.option("-i", "--identity", metavar="KEY", help="Add IdentityFile KEY (and IdentitiesOnly yes) to each block.")
@click.option("--relay", is_flag=True, help="Reach each host through the terminal relay (a ProxyCommand per block).")
@with_context
def ssh_config(ctx: Context, identity: str | None, relay: bool) -> int:
    key = _identity(identity)
    active = [a for a in ctx.authed().allocations(state="active") if a.connection]
    path = known_hosts_path()
    names = aliases(active)
    usable: list[tuple[Allocation, Connection]] = []
    for allocation in active:
        assert allocation.connection  # filtered above
        try:
            known_hosts_line(allocation.connection)
        except GpuaasError as exc:
            ctx.out.warn(f"{allocation.id} left out: {exc}")
            continue
        usable.append((allocation, allocation.connection))
    remember_host_keys(path, [known_hosts_line(c) for _, c in usable])
    stanzas = [
        ssh_config_stanza(
            names[a.id], c, path, identity=key, proxy_command=relay_proxy_command(ctx, a.id) if relay else None
        )
        for a, c in usable
    ]
    hosts = [
        {"alias": names[a.id], "allocation_id": a.id, "host": c.host, "port": c.port, "user": c.user} for a, c in usable
    ]
    ctx.out.result({"hosts": hosts, "known_hosts_file": str(path)}, "\n".join(stanzas).rstrip("\n") or None)
    if not usable:
        ctx.out.note("no active allocation to connect to")
    return 0


COMMANDS = [ssh, ssh_config]
