"""Print this host's GPU telemetry, read from the real NVML through the agent's own code, as JSON; exit 0.

Run on a GPU host (or a device check):  python node_agent/scripts/nvml_check.py [--samples N]
It imports the agent from the source tree when it is not installed. Exit 0 even without a driver (the JSON
then says ``available: false`` and why); exit 3 only when ``--require-gpu`` is given and no GPU was read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

try:
    from gpuaas_agent.logs import configure
    from gpuaas_agent.telemetry import NvmlSource
except ImportError:  # running from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from gpuaas_agent.logs import configure
    from gpuaas_agent.telemetry import NvmlSource


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--require-gpu", action="store_true")
    args = parser.parse_args()
    configure()
    source = NvmlSource()
    started = time.perf_counter()
    report = {"inventory": source.inventory(), "samples": []}
    for i in range(args.samples):
        if i:
            time.sleep(args.interval)
        nvml, gpus = source.sample()
        report["nvml"] = nvml
        report["samples"].append(gpus)
    report["elapsed_s"] = round(time.perf_counter() - started, 3)
    source.close()
    print(json.dumps(report, indent=2))
    if args.require_gpu and not report["inventory"]:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
