"""Webhook delivery: latency from the committing transaction to the receiver, and deliveries per
second on one delivery worker, on the local cloud (pollers manual, as the e2e tests drive it).

1. Latency: an operator's endpoint subscribed to ``node.*`` on a loopback receiver; ``LATENCY_EVENTS``
   times, one at a time, a node is drained through the API and ``cloud.drain()`` runs the whole path
   (stream -> outbox relay -> bus -> WebhookFanoutQueue -> fan-out Lambda -> WebhookDeliveryQueue ->
   delivery Lambda -> HTTP). The latency is the receiver's arrival time minus the event's own
   ``timestamp`` (the outbox envelope's time, taken in the committing transaction), so it covers
   every hop after the commit. ``drain()`` also runs the other consumers of the same event (the
   event archive), as Lambda would in parallel; here they run in turn, so the figure is an upper bound
   for the path itself. On AWS the pollers' own waits (stream and SQS polling) come on top.

2. Throughput: ``THROUGHPUT_DELIVERIES`` deliveries are fanned out (one endpoint, one queued attempt
   each), then one ``cloud.drain()`` runs the one delivery worker (batches of 5, as the template's
   event source mapping) until the queue is empty; deliveries/s is the count over that time. Each
   attempt is a GetItem of the delivery and of the endpoint, a claim TransactWriteItems, the signed
   POST, and a record TransactWriteItems. moto deep-copies the table for every transaction's rollback,
   so the figure falls as the table grows (and with it the stream it also copies); DynamoDB does not
   do that. As ``bench/settlement.py`` does, the run backs up only the items each transaction names
   (``settlement._transaction_backup``: the same rollback, checked there), so what is measured is the
   worker and not moto's copy.

Nothing here asserts on time.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.common import percentile, sku_body

LATENCY_EVENTS = 30
THROUGHPUT_DELIVERIES = 100
HEADER = ("what", "measured")


class _Receiver:
    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.arrivals.append((time.time(), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def title(events: int = LATENCY_EVENTS, deliveries: int = THROUGHPUT_DELIVERIES) -> str:
    return (
        f"Webhook delivery on the local cloud: latency over {events} node.drained events, "
        f"throughput over {deliveries} deliveries on one delivery worker"
    )


def run(events: int = LATENCY_EVENTS, deliveries: int = THROUGHPUT_DELIVERIES) -> list[tuple[str, str]]:
    from gpuaas_client import Client

    from bench.settlement import _transaction_backup
    from chalicelib import bootstrap
    from chalicelib.core.clock import isoformat
    from chalicelib.core.ids import new_id
    from chalicelib.core.public_events import PublicEvent
    from localcloud.cloud import LocalCloud

    receiver = _Receiver()
    cloud = LocalCloud(api_port=0, ws_port=0, pollers="manual", retry_failed_after=0).start()
    backup = _transaction_backup()
    backup.__enter__()
    try:
        public = Client(cloud.api_url)
        token = public.dev_token("bench-operator", "gpuaas-ops", "operator").access_token
        headers = {"Authorization": f"Bearer {token}"}
        http = public.http

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            r = http.post(path, json=body, headers=headers, timeout=30)
            if r.status_code >= 300:
                raise RuntimeError(f"{path}: {r.status_code} {r.text}")
            return dict(r.json())

        endpoint = post("/v1/webhooks", {"url": receiver.url, "event_types": ["node.*"]})
        sku = post("/v1/admin/skus", sku_body("bench-webhooks"))
        nodes = [
            post(
                "/v1/admin/nodes",
                {"hostname": f"gpu-{i}.bench", "sku_id": sku["id"], "gpu_model": sku["gpu_model"], "gpu_count": 8},
            )
            for i in range(events)
        ]
        cloud.drain()
        receiver.arrivals.clear()

        latencies: list[float] = []
        for node in nodes:
            post(f"/v1/admin/nodes/{node['id']}/drain", {"reason": "bench"})
            cloud.drain()
            arrived, body = receiver.arrivals[-1]
            committed = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).timestamp()
            latencies.append((arrived - committed) * 1000)
        assert len(receiver.arrivals) == events, "every drain is delivered once"

        # Throughput: fan out (one queued attempt each), then time the one worker draining the queue.
        service = bootstrap.webhook_service()

        def fan_out(count: int) -> None:
            for _ in range(count):
                service.fan_out(
                    PublicEvent(
                        id=new_id("evt"),
                        type="node.down",
                        timestamp=isoformat(datetime.now().astimezone()),
                        org_id=None,
                        subject="node_bench",
                        data={"node": {"id": "node_bench", "health": "down"}},
                    )
                )

        receiver.arrivals.clear()
        fan_out(deliveries)
        started = time.perf_counter()
        cloud.drain(timeout=600)
        elapsed = time.perf_counter() - started
        delivered = len(receiver.arrivals)

        # The worker alone: the same attempts made by calling the delivery service in sequence on
        # the queue's messages, without the local cloud's pollers (which poll every queue in turn).
        from chalicelib.webhooks.models import DeliveryTask

        receiver.arrivals.clear()
        fan_out(deliveries)
        sqs = cloud.client("sqs")
        queue_url = cloud.resources.queue_urls["WebhookDeliveryQueue"] if cloud.resources else ""
        tasks: list[DeliveryTask] = []
        while len(tasks) < deliveries:
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            for m in got:
                tasks.append(DeliveryTask.from_document(json.loads(m["Body"])))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        started = time.perf_counter()
        for task in tasks:
            service.deliver(task)
        worker_elapsed = time.perf_counter() - started
        worker_delivered = len(receiver.arrivals)
    finally:
        backup.__exit__(None, None, None)
        cloud.stop()
        receiver.close()
    return [
        ("endpoint", f"{endpoint['id']} (operator, node.*), loopback receiver answering 204"),
        ("commit -> receiver, p50", f"{percentile(latencies, 50):.1f} ms"),
        ("commit -> receiver, p99", f"{percentile(latencies, 99):.1f} ms"),
        ("commit -> receiver, max", f"{max(latencies):.1f} ms"),
        ("drained by the local cloud's pollers", f"{delivered} of {deliveries} in {elapsed:.2f} s"),
        ("deliveries per second, through the pollers", f"{delivered / elapsed:.1f}"),
        ("made by the worker in sequence", f"{worker_delivered} of {len(tasks)} in {worker_elapsed:.2f} s"),
        ("deliveries per second, one worker", f"{worker_delivered / worker_elapsed:.1f}"),
    ]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from bench.table import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.webhooks")
    parser.add_argument("--events", type=int, default=LATENCY_EVENTS)
    parser.add_argument("--deliveries", type=int, default=THROUGHPUT_DELIVERIES)
    args = parser.parse_args(argv)
    print_table(title(args.events, args.deliveries), run(args.events, args.deliveries), HEADER)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
