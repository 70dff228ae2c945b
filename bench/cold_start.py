"""Cold start: import time of each Lambda entry module in fresh interpreters, against a boto3 baseline.

Each sample is a new ``python`` process that times only the import (interpreter start-up excluded) and
reports which heavy packages it loaded. The baseline is what any DynamoDB Lambda pays anyway:
``import boto3; boto3.client("dynamodb")``. The X-Ray SDK and stripe must not be imported by any entry
module (Powertools' Tracer and the Stripe SDK cost ~270 and ~120 ms; they load only where used).
Targets are run round-robin so that machine noise spreads over all of them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
BASELINE = "boto3 + dynamodb client"
TARGETS = {
    BASELINE: 'import boto3\nboto3.client("dynamodb", region_name="us-east-1")',
    "app (API handler)": "import app",
    "functions.outbox_relay": "import functions.outbox_relay",
    "functions.events_archive": "import functions.events_archive",
    "functions.catalog_reconcile": "import functions.catalog_reconcile",
    # Every terminal frame is an invocation of this module's $default handler.
    "functions.terminal_relay": "import functions.terminal_relay",
}
WATCHED = ("aws_xray_sdk", "stripe", "boto3", "pynamodb", "jwt", "pydantic", "chalice")

_PROBE = """
import json, sys, time
start = time.perf_counter()
exec(compile(sys.argv[1], "<target>", "exec"))
elapsed = time.perf_counter() - start
watched = sys.argv[2].split(",")
print("PROBE=" + json.dumps({"seconds": elapsed, "loaded": [m for m in watched if m in sys.modules]}))
"""


def _env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GPUAAS_", "POWERTOOLS_", "AWS_")) and k != "_X_AMZN"
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONDONTWRITEBYTECODE": "1",
            "GPUAAS_STAGE": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_SERVICE_NAME": "gpuaas",
            "POWERTOOLS_METRICS_NAMESPACE": "gpuaas",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    return env


def probe(code: str) -> dict[str, Any]:
    proc = subprocess.run(  # noqa: S603 - our own interpreter on our own snippet
        [sys.executable, "-c", _PROBE, code, ",".join(WATCHED)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{code!r} failed:\n{proc.stderr}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE="))
    return json.loads(line.removeprefix("PROBE="))


def run(runs: int = RUNS) -> list[tuple[str, ...]]:
    for code in TARGETS.values():  # warm the OS file cache (and fail fast on an import error)
        probe(code)
    samples: dict[str, list[float]] = {name: [] for name in TARGETS}
    loaded: dict[str, set[str]] = {name: set() for name in TARGETS}
    for _ in range(runs):
        for name, code in TARGETS.items():
            result = probe(code)
            samples[name].append(float(result["seconds"]))
            loaded[name].update(result["loaded"])
    baseline = statistics.median(samples[BASELINE])
    rows = []
    for name in TARGETS:
        median = statistics.median(samples[name])
        mods = loaded[name]
        rows.append(
            (
                name,
                f"{median * 1e3:.0f}",
                f"{median / baseline:.2f}x",
                "YES (bad)" if "aws_xray_sdk" in mods else "no",
                "YES (bad)" if "stripe" in mods else "no",
                ", ".join(m for m in WATCHED if m in mods and m not in ("aws_xray_sdk", "stripe")) or "-",
            )
        )
    return rows


HEADER = ("import", "median ms", "/ baseline", "aws_xray_sdk", "stripe", "also loaded")


def main() -> None:
    from bench.table import print_table

    print_table(f"Cold start: import time, median of {RUNS} fresh processes", run(), HEADER)


if __name__ == "__main__":
    main()
