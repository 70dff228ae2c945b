"""``python -m bench``: every bench, one table each. Numbers are reported, never asserted."""

from __future__ import annotations

import sys
import time

from bench import auth_latency, cold_start, dynamodb_requests, provisioning, settlement, terminal, webhooks
from bench.table import print_table


def main() -> int:
    start = time.perf_counter()
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    print_table(
        f"Cold start: import time, median of {cold_start.RUNS} fresh processes (ratio to `{cold_start.BASELINE}`)",
        cold_start.run(),
        cold_start.HEADER,
    )
    print_table(
        "DynamoDB requests per use case (in-process moto; TWI = TransactWriteItems)",
        dynamodb_requests.run(),
        ("use case", "measured", "target"),
    )
    auth_rows, auth_notes = auth_latency.run()
    print_table(
        f"Auth latency on a warm request: median of {auth_latency.ROUNDS}, in-process handler path "
        "(ratio to the public route doing the same read)",
        auth_rows,
        auth_latency.HEADER,
    )
    print_table("Auth latency: notes", auth_notes, ("what", "measured"))
    latency_rows, latency_notes, agent_rows = provisioning.run()
    print_table(provisioning.latency_title(), latency_rows, provisioning.LATENCY_HEADER)
    print_table("Provisioning latency: notes", latency_notes, ("what", "measured"))
    print_table(provisioning.agent_title(), agent_rows, provisioning.AGENT_HEADER)
    minute_rows, sweep_rows, sweep_notes = settlement.run()
    print_table(settlement.minute_title(), minute_rows, settlement.MINUTE_HEADER)
    print_table(settlement.sweep_title(), sweep_rows, settlement.SWEEP_HEADER)
    print_table("Settlement sweep: notes", sweep_notes, settlement.SWEEP_HEADER)
    rtt_rows, throughput_rows, terminal_notes = terminal.run()
    print_table(terminal.rtt_title(), rtt_rows, terminal.HEADER)
    print_table(terminal.throughput_title(), throughput_rows, terminal.THROUGHPUT_HEADER)
    print_table("Terminal: notes", terminal_notes, ("what", "measured"))
    print_table(webhooks.title(), webhooks.run(), webhooks.HEADER)
    print(f"\nbench finished in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
