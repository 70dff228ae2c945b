"""``gpuaas-agent run``: the node agent's entry point."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from gpuaas_agent import __version__
from gpuaas_agent.agent import Agent, RegistrationError, normalize_hostname
from gpuaas_agent.control_plane import ApiError, ControlPlane, Unreachable
from gpuaas_agent.executors import EXECUTORS, DockerExecutor, SandboxExecutor
from gpuaas_agent.executors.base import DEFAULT_PORT_RANGE, Executor
from gpuaas_agent.logs import JsonFormatter, configure, log
from gpuaas_agent.shipper import LogShipper, ShippingHandler
from gpuaas_agent.state import StateStore
from gpuaas_agent.telemetry import SIMULATED_MODELS, make_source

logger = logging.getLogger("gpuaas_agent.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gpuaas-agent", description="The GPUaaS node agent.")
    parser.add_argument("--version", action="version", version=f"gpuaas-agent {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="register (first time) and serve this node's command queue")
    run.add_argument("--api-url", required=True, help="the control plane, e.g. https://api.example.com")
    run.add_argument("--state-dir", required=True, type=Path, help="credentials and command records (0700)")
    run.add_argument("--bootstrap-token", help="single-use token (gpb_...) for the first start only")
    run.add_argument("--executor", choices=EXECUTORS, default="sandbox")
    run.add_argument("--sandbox-root", type=Path, help="where allocations live (default: STATE_DIR/sandbox)")
    run.add_argument("--hostname", help="the node's name at registration (default: this host's name)")
    run.add_argument(
        "--ssh-host",
        default=os.environ.get("GPUAAS_SSH_HOST"),
        help="the public name or address customers ssh to, reported as ssh_host "
        "(default: $GPUAAS_SSH_HOST, else the node's name)",
    )
    run.add_argument(
        "--ssh-port-range",
        type=_port_range,
        default=DEFAULT_PORT_RANGE,
        metavar="LOW-HIGH",
        help="ports the allocations' sshd listen on (default: %(default)s)",
    )
    run.add_argument("--ssh-listen-address", help="sandbox only: the address its sshd bind (default: all)")
    run.add_argument("--simulate-gpus", type=int, metavar="N", help="fake N GPUs instead of reading NVML")
    run.add_argument("--simulate-model", default="H100-80GB-SXM", help=f"one of {sorted(SIMULATED_MODELS)}")
    run.add_argument(
        "--sandbox-provision-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="sandbox only: take this long to provision, like an image pull would",
    )
    run.add_argument("--log-level", default="INFO")
    run.add_argument(
        "--no-ship-logs",
        dest="ship_logs",
        action="store_false",
        help="keep the agent's log and the workloads' output on this host (stderr) instead of shipping them",
    )
    run.add_argument(
        "--log-buffer-lines",
        type=int,
        default=10_000,
        metavar="N",
        help="lines held in memory while the control plane is unreachable (oldest dropped first)",
    )
    run.add_argument("--log-flush-seconds", type=float, default=1.0, metavar="S", help="how often a batch is sent")
    return parser


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        pair = (int(low), int(high))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not LOW-HIGH: {text!r}") from None
    if not 1 <= pair[0] <= pair[1] <= 65535:
        raise argparse.ArgumentTypeError(f"not a port range: {text!r}")
    return pair


def _insecure_url(url: str) -> bool:
    return not url.startswith("https://") and not url.startswith(("http://127.0.0.1", "http://localhost"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure(args.log_level)
    if _insecure_url(args.api_url):
        log(logger, "refusing_plain_http", logging.ERROR, api_url=args.api_url)
        return 2
    hostname = normalize_hostname(args.hostname or socket.gethostname())
    state = StateStore(args.state_dir)
    ssh_host = normalize_hostname(args.ssh_host) if args.ssh_host else hostname
    root = args.sandbox_root or args.state_dir / "sandbox"
    gpus = make_source(args.simulate_gpus, args.simulate_model, seed=hostname)
    executor: Executor = (
        DockerExecutor(root, ssh_host, port_range=args.ssh_port_range)
        if args.executor == "docker"
        else SandboxExecutor(
            root,
            ssh_host,
            provision_seconds=args.sandbox_provision_seconds,
            port_range=args.ssh_port_range,
            listen_address=args.ssh_listen_address,
            gpu_models={int(g["index"]): str(g["model"]) for g in gpus.inventory()},
        )
    )
    stop = threading.Event()
    running: list[Agent] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log(logger, "stopping", signal=signal.Signals(signum).name)
        stop.set()
        for agent in running:
            agent.interrupt_if_idle()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    shipper = None
    if args.ship_logs:
        shipper = LogShipper(max_buffer_lines=args.log_buffer_lines, flush_interval=args.log_flush_seconds)
        # Records are buffered from now on and sent once the node has its credentials.
        logging.getLogger("gpuaas_agent").addHandler(ShippingHandler(shipper, JsonFormatter()))
    agent = Agent(
        ControlPlane(args.api_url),
        state,
        gpus,
        executor,
        hostname=hostname,
        bootstrap_token=args.bootstrap_token,
        stop=stop,
        shipper=shipper,
    )
    running.append(agent)
    try:
        return agent.run()
    except RegistrationError as exc:
        log(logger, "not_registered", logging.ERROR, error=str(exc))
        return 2
    except (ApiError, Unreachable) as exc:
        log(logger, "control_plane_refused", logging.ERROR, error=str(exc))
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
