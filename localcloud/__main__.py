"""``python -m localcloud run``: the whole local cloud in one process (``make run``)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import sys
import threading
from types import FrameType


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localcloud")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local cloud and serve the API until Ctrl-C / SIGTERM")
    run.add_argument("--port", type=int, default=int(os.environ.get("GPUAAS_PORT", "8000")), help="0 = any free port")
    run.add_argument(
        "--ws-port",
        type=int,
        default=int(os.environ["GPUAAS_WS_PORT"]) if os.environ.get("GPUAAS_WS_PORT") else None,
        help="the terminal gateway's WebSocket port (default GPUAAS_WS_PORT or 8001; a free one with --port 0); "
        "0 = any free port",
    )
    run.add_argument("--moto-port", type=int, default=0, help="0 = any free port")
    run.add_argument("--backend", choices=["moto", "localstack"], default="moto")
    run.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    run.add_argument("--no-agents", action="store_true", help="demo nodes without agent processes")
    run.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    return parser


def run(args: argparse.Namespace) -> int:
    from localcloud.cloud import LocalCloud

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The SDKs narrate every client they build at INFO; the API log is what a developer wants to see.
    for noisy in ("botocore", "pynamodb", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    cloud = LocalCloud(
        api_port=args.port, ws_port=args.ws_port, moto_port=args.moto_port, backend=args.backend, pollers="background"
    )
    cloud.start()
    fleet = None
    try:
        print(f"local cloud ready in {cloud.startup_seconds:.2f}s", flush=True)
        print(f"  API:       {cloud.api_url}", flush=True)
        for websocket_api in cloud.websocket_apis.values():
            print(f"  terminal:  {websocket_api.url} (@connections: {websocket_api.management_url})", flush=True)
        print(f"  AWS (moto): AWS_ENDPOINT_URL={cloud.endpoint_url}", flush=True)
        print(f"  table:     {cloud.resources.table_name if cloud.resources else '-'}", flush=True)
        print(
            f"  dev token: curl -X POST {cloud.api_url}/v1/dev/token -H 'content-type: application/json' "
            """-d '{"user":"alice","org":"acme","role":"operator"}'""",
            flush=True,
        )
        if not args.no_demo and importlib.util.find_spec("localcloud.demo") is not None:
            from localcloud import demo
            from localcloud.agents import AgentFleet

            fleet = AgentFleet(cloud.api_url) if not args.no_agents else None
            seeded = demo.seed(cloud.api_url, fleet=fleet)
            print(f"  demo data:  {seeded}", flush=True)
            if fleet is not None:
                print(f"  demo fleet: {len(fleet.hosts)} gpuaas-agent processes, logs in {fleet.root}", flush=True)
        print("Ctrl-C to stop", flush=True)
        stop.wait()
    finally:
        # Agents first get SIGTERM; stopping the cloud then ends their long polls at once.
        if fleet is not None:
            fleet.signal_stop()
        cloud.stop()
        if fleet is not None:
            fleet.wait()
    print("local cloud stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
