"""Provisioning: control-plane latency of an allocation, and what an idle node agent costs.

The real local cloud is started in-process (moto server, the API over HTTP on a thread, Step
Functions executed by moto with the Lambda handlers run in-process). Nothing here asserts on time.

1. Latency over ``ALLOCATIONS`` allocations of a 1-GPU SKU on scripted nodes (this process plays
   their agents: each node is registered through the API, its FIFO queue is long-polled directly on
   the moto server and results are POSTed with the node token). There are enough slots for every
   allocation, so none is released and each round starts on a quiet cloud:

   * (a) ``POST /v1/allocations`` sent -> the provision command received from the node's queue;
   * (b) the result ``POST /v1/agent/commands/{id}/result`` sent -> the allocation item's state is
     ``active`` (the item read in moto's memory every ``POLL_S``: watching costs no request).

   Baseline, interleaved round by round on the same moto server: a bare state machine whose one
   state is ``arn:aws:states:::sqs:sendMessage.waitForTaskToken`` on a standard queue, timed from
   StartExecution sent -> the token message received, and SendTaskSuccess sent -> the execution is
   SUCCEEDED (its status read in moto's memory every ``POLL_S``, as the item is). The ratio is what
   the product's workflow (API in front, Lambda steps, DynamoDB transactions) adds to the Step
   Functions round trip it cannot avoid. p50 and p99 (nearest rank) after ``WARMUP`` rounds.

   Two costs of the one-process local cloud that DynamoDB and Lambda do not have are kept down, and
   both are reported. moto backs a transaction up by deep-copying the whole table (stream records
   included) once per item of the transaction, the same copy each time; here it copies once per
   transaction (the local cloud's moto patch; ``ROLLBACK_COPY_ONCE = False`` turns it off), and that copy still
   grows with the table, so later rounds are slower. The garbage collector, whose full passes walk
   moto's whole database, is off during the rounds and runs a young collection between them. The
   time moto's DynamoDB spends inside each leg (timed on the server) is shown next to the leg.

2. A real ``gpuaas-agent`` process (``AgentFleet``, sandbox executor, registered with a bootstrap
   token from ``POST /v1/admin/bootstrap-tokens``) left idle on its own SKU, from its first long
   poll until the latency rounds are over and at least ``AGENT_WINDOW_S`` has passed: it idles while
   the control plane serves the rounds, as a fleet node does, and receives no command. Its VmRSS,
   and its CPU (utime + stime from /proc) as a percent of one core, against a bare
   ``python -c "import boto3, time; time.sleep(...)"`` started with it.

3. The idle agent's SQS requests, counted on the moto server: every SQS action is recorded with its
   queue and access key, and the agent's are those signed with the STS session key it reads its
   node queue with (the control plane and moto's own Step Functions sign with other keys). Its API
   requests are those the local gateway served under /v1/agent/ with its node token. Per hour two
   ways: the count in the window scaled to an hour, and 3600 / the mean gap between its
   ReceiveMessage calls; next to the design value (one 20 s long poll at a time: 180/h).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import percentile, sku_body

if TYPE_CHECKING:
    from gpuaas_client import Client

ALLOCATIONS = 100
WARMUP = 3
ALONE = 20
POLL_S = 0.001
AGENT_WINDOW_S = 41.0
LONG_POLL_S = 20  # gpuaas_agent.queue.WAIT_TIME_SECONDS
HEARTBEAT_S = 20  # GPUAAS_HEARTBEAT_INTERVAL_SECONDS's default
CREDENTIALS_PER_HOUR = 3600 / (3600 - 300)  # GPUAAS_AGENT_CREDENTIALS_TTL_SECONDS, refreshed 300 s early
# moto's transaction backup, one copy per table instead of one per item (localcloud.moto_patches):
# without it the two transactions of leg (a) take ~0.2 s in the first rounds and ~1.5 s by the
# 100th (measured on a 2-core machine), and the rounds take ~3 minutes instead of ~1.
ROLLBACK_COPY_ONCE = True
AGENT_GPUS = 8
NODE_GPUS = 64  # the most GPUs one registration may declare
CONTROL_PLANE_KEY = "testing"  # the local cloud's own access key; agents sign with STS session keys
BASELINE_PROCESS = "import boto3, time; time.sleep(600)"
LATENCY_HEADER = (
    "leg",
    "p50 ms",
    "p99 ms",
    "moto DynamoDB in leg: requests, p50 ms (of which TWI)",
    "baseline leg",
    "base p50",
    "base p99",
    "p50 ratio",
    "p99 ratio",
)
AGENT_HEADER = ("what", "measured", "baseline / design", "ratio")
RATE_LIMITS = '{"read": 100000, "write": 100000, "auth": 100000, "public": 100000}'
FINISHED_AT = "2026-11-26T12:00:00.000Z"
_MISSING = object()
TICK = os.sysconf("SC_CLK_TCK")


def latency_title() -> str:
    return (
        f"Provisioning latency: p50/p99 over {ALLOCATIONS} allocations on the local cloud (moto Step Functions, "
        "in-process Lambdas), ratio to a bare waitForTaskToken state machine on the same moto server"
    )


def agent_title() -> str:
    return f"Idle node agent: a real gpuaas-agent process, idle for >= {AGENT_WINDOW_S:.0f} s (no command)"


# -- helpers ---------------------------------------------------------------------------------------


class Api:
    """The local API through the SDK: ``gpuaas_client.Client`` for what a customer does, the generated
    operations (``gpuaas_client._api``) for the operator's and the agent's routes, which the Client has
    no methods for. Answers other than ``expect``ed raise."""

    def __init__(self, base_url: str) -> None:
        from gpuaas_client import Client

        self.base_url = base_url
        self.public = Client(base_url)
        self._as: dict[str | None, Any] = {}

    def client(self, token: str) -> Client:
        """An SDK client with this bearer (a session or a node token), on the public client's pool."""
        from gpuaas_client import Client

        return Client(self.base_url, access_token=token, http_client=self.public.http)

    def generated(self, token: str | None) -> Any:
        """The generated layer's client with this bearer (its own pool: the generated client sets the
        bearer on the httpx client it builds)."""
        from gpuaas_client._api import AuthenticatedClient, Client

        if token not in self._as:
            self._as[token] = (
                Client(base_url=self.base_url) if token is None else AuthenticatedClient(self.base_url, token)
            )
        return self._as[token]

    @staticmethod
    def expect(response: Any, status: int) -> Any:
        """The parsed model of a generated ``sync_detailed`` answer, if it has ``status``."""
        if response.status_code != status or response.parsed is None:
            raise RuntimeError(f"HTTP {response.status_code} {response.content[:300]!r}")
        return response.parsed

    def token(self, user: str, org: str, role: str) -> str:
        return self.public.dev_token(user, org, role).access_token

    def create_sku(self, operator: str, name: str) -> Any:
        from gpuaas_client._api.api.admin import admin_create_sku
        from gpuaas_client._api.models import CreateSkuBody

        body = CreateSkuBody.from_dict(sku_body(name))
        return self.expect(admin_create_sku.sync_detailed(client=self.generated(operator), body=body), 201)

    def bootstrap_token(self, operator: str, sku_id: str) -> str:
        from gpuaas_client._api.api.admin import admin_create_bootstrap_token
        from gpuaas_client._api.models import BootstrapTokenBody

        body = BootstrapTokenBody(sku_id=sku_id, ttl_seconds=600)
        answer = admin_create_bootstrap_token.sync_detailed(client=self.generated(operator), body=body)
        return str(self.expect(answer, 201).token)


def _wait(condition: Callable[[], bool], timeout: float, what: str, interval: float = POLL_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout} s")
        time.sleep(interval)


@contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _patched(cls: type, name: str, value: Any) -> Iterator[None]:
    """``cls.name = value`` for the block; afterwards exactly as before (own attribute or inherited)."""
    own = cls.__dict__.get(name, _MISSING)
    setattr(cls, name, value)
    try:
        yield
    finally:
        if own is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, own)


@contextmanager
def _moto_backup_per_item() -> Iterator[None]:
    """moto's own TransactWriteItems for the block: it backs the whole table up once per *item* of the
    transaction. The local cloud (``localcloud.moto_patches``) copies once per transaction instead;
    ``ROLLBACK_COPY_ONCE = False`` measures without that."""
    from moto.dynamodb import models

    installed = models.DynamoDBBackend.transact_write_items
    with _patched(models.DynamoDBBackend, "transact_write_items", getattr(installed, "__wrapped__", installed)):
        yield


def _access_key(authorization: str) -> str:
    """The key id of a SigV4 ``Authorization`` header (``... Credential=AKID/date/region/...``)."""
    _, _, rest = authorization.partition("Credential=")
    return rest.split("/", 1)[0]


@dataclass
class SqsCall:
    at: float
    action: str
    queue: str
    key: str


@dataclass
class RequestLog:
    """What the servers in this process handled: SQS actions (with queue and signing key) and moto's
    TransactWriteItems (start, end) on the moto server; agent API requests on the local gateway."""

    sqs: list[SqsCall] = field(default_factory=list)
    dynamodb: list[tuple[float, float, str]] = field(default_factory=list)
    api: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def installed(self) -> Iterator[RequestLog]:
        from moto.dynamodb.responses import DynamoHandler
        from moto.sqs.responses import SQSResponse

        from localcloud.api_server import ApiRequestHandler
        from localcloud.moto_patches import DYNAMODB_LOCK

        log = self
        original_action = SQSResponse.call_action
        original_call = DynamoHandler.call_action
        original_dispatch = ApiRequestHandler._dispatch

        def call_action(response: Any) -> Any:
            try:
                queue = response._get_queue_name()
            except Exception:  # an action without a queue (ListQueues): recorded without one
                queue = ""
            key = _access_key(str(response.headers.get("Authorization", "")))
            with log.lock:
                log.sqs.append(SqsCall(time.perf_counter(), str(response._get_action()), queue, key))
            return original_action(response)

        def dynamodb_call(handler: Any) -> Any:
            # Timed inside localcloud's lock (re-entrant) that serialises DynamoDB: no wait, no overlap.
            with DYNAMODB_LOCK:
                began = time.perf_counter()
                try:
                    return original_call(handler)
                finally:
                    with log.lock:
                        log.dynamodb.append((began, time.perf_counter(), str(handler._get_action())))

        def dispatch(handler: Any, request_id: str) -> Any:
            if handler.path.startswith("/v1/agent/"):
                auth = str(handler.headers.get("Authorization", ""))
                with log.lock:
                    log.api.append((time.perf_counter(), f"{handler.command} {handler.path.split('?')[0]}", auth))
            return original_dispatch(handler, request_id)

        with (
            _patched(SQSResponse, "call_action", call_action),
            _patched(DynamoHandler, "call_action", dynamodb_call),
            _patched(ApiRequestHandler, "_dispatch", dispatch),
        ):
            yield self

    def agent_key(self, queue: str) -> str:
        """The key that reads ``queue`` other than the control plane's ('' while none has)."""
        with self.lock:
            keys = [c.key for c in self.sqs if c.queue == queue and c.key and c.key != CONTROL_PLANE_KEY]
        return keys[0] if keys else ""

    def signed_with(self, key: str, start: float = 0.0, end: float = math.inf) -> list[SqsCall]:
        with self.lock:
            return [c for c in self.sqs if c.key == key and start < c.at <= end]

    def dynamodb_in(self, start: float, end: float) -> list[tuple[str, float]]:
        """(action, seconds) of the DynamoDB requests moto served wholly inside [start, end]."""
        with self.lock:
            return [(action, e - s) for s, e, action in self.dynamodb if start <= s and e <= end]

    def api_between(self, start: float, end: float, token: str) -> list[str]:
        with self.lock:
            return [path for at, path, auth in self.api if start < at <= end and auth == f"Bearer {token}"]


def _proc_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / TICK


# -- 1. latency ------------------------------------------------------------------------------------


@dataclass
class Leg:
    label: str
    samples: list[float] = field(default_factory=list)
    dynamodb: list[list[tuple[str, float]]] = field(default_factory=list)

    def p(self, q: float) -> float:
        return percentile(self.samples, q)

    def add(self, start: float, end: float, log: RequestLog | None = None) -> None:
        self.samples.append(end - start)
        if log is not None:
            self.dynamodb.append(log.dynamodb_in(start, end))


def _twi_seconds(leg: Leg) -> list[float]:
    return [sum(t for a, t in d if a == "TransactWriteItems") for d in leg.dynamodb]


class ScriptedNode:
    """This process as a node's agent: its queue read directly, results POSTed with the node token."""

    def __init__(self, api: Api, sqs: Any, operator: str, sku_id: str, hostname: str, gpus: int) -> None:
        from gpuaas_client._api.api.agent import agent_register
        from gpuaas_client._api.models import RegisterAgentBody

        token = api.bootstrap_token(operator, sku_id)
        gpu_list = [
            {"index": i, "uuid": f"GPU-{i:08d}-0000-0000-0000-000000000000", "model": "H100", "memory_total_bytes": 1}
            for i in range(gpus)
        ]
        body = {
            "bootstrap_token": token,
            "hostname": hostname,
            "agent_version": "0.1.0",
            "protocol_versions": [1],
            "executors": ["sandbox"],
            "gpus": gpu_list,
        }
        registration = agent_register.sync_detailed(client=api.generated(None), body=RegisterAgentBody.from_dict(body))
        node = api.expect(registration, 201)
        self.api = api
        self.sqs = sqs
        self.node_id = node.node_id
        self.token = node.node_token
        self.queue_url = node.queue_url

    def next_command(self, timeout: float = 10.0) -> dict[str, Any]:
        """Long-polls (moto wakes a waiting receive as soon as a message is sent); deletes it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=5)
            for m in r.get("Messages", []):
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
                return dict(json.loads(m["Body"]))
        raise TimeoutError("no command on the node's queue")

    def report(self, command_id: str, **output: Any) -> None:
        from gpuaas_client._api.api.agent import agent_report_result
        from gpuaas_client._api.models import CommandResultBody

        body = {"status": "succeeded", "reason": None, "output": output, "finished_at": FINISHED_AT}
        answer = agent_report_result.sync_detailed(
            command_id, client=self.api.generated(self.token), body=CommandResultBody.from_dict(body)
        )
        self.api.expect(answer, 200)


class MotoState:
    """Reads the moto server's state in memory (it runs in this process): ending a leg costs no
    request, so watching for the end takes nothing from the work being timed."""

    def __init__(self, region: str) -> None:
        from moto.dynamodb.models import dynamodb_backends
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        from localcloud.template import ACCOUNT_ID

        self.dynamodb = dynamodb_backends[ACCOUNT_ID][region]
        self.stepfunctions = stepfunctions_parser_backends[ACCOUNT_ID][region]

    def allocation_state(self, table: str, allocation_id: str) -> str:
        from moto.dynamodb.models.dynamo_type import DynamoType

        from localcloud.moto_patches import DYNAMODB_LOCK

        with DYNAMODB_LOCK:  # as every DynamoDB request: never mid-transaction
            item = self.dynamodb.get_table(table).get_item(
                DynamoType({"S": f"ALLOC#{allocation_id}"}), DynamoType({"S": "ALLOC"})
            )
            state = item.attrs.get("state") if item is not None else None
            return str(state.value) if state is not None else ""

    def execution(self, arn: str) -> Any:
        """The live execution object; its ``status`` is what DescribeExecution would answer."""
        return self.stepfunctions.describe_execution(arn)


class BareMachine:
    """The baseline: one ``sqs:sendMessage.waitForTaskToken`` state on a standard queue."""

    def __init__(self, sfn: Any, sqs: Any, moto: MotoState) -> None:
        self.sfn = sfn
        self.sqs = sqs
        self.moto = moto
        self.queue_url = sqs.create_queue(QueueName="bench-provisioning-baseline")["QueueUrl"]
        definition = {
            "StartAt": "WaitForToken",
            "States": {
                "WaitForToken": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": self.queue_url, "MessageBody": {"token.$": "$$.Task.Token"}},
                    "End": True,
                }
            },
        }
        self.arn = sfn.create_state_machine(
            name="bench-provisioning-baseline",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/bench-provisioning-baseline",
        )["stateMachineArn"]

    def round(self, start_leg: Leg, finish_leg: Leg) -> None:
        started = time.perf_counter()
        execution = self.sfn.start_execution(stateMachineArn=self.arn, name=f"bench-{uuid.uuid4()}", input="{}")
        while True:
            r = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=5)
            if r.get("Messages"):
                break
        start_leg.add(started, time.perf_counter())
        message = r["Messages"][0]
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        token = json.loads(message["Body"])["token"]
        started = time.perf_counter()
        self.sfn.send_task_success(taskToken=token, output="{}")
        running = self.moto.execution(execution["executionArn"])
        _wait(lambda: running.status != "RUNNING", 10, "bare execution")
        finish_leg.add(started, time.perf_counter())
        status = self.sfn.describe_execution(executionArn=execution["executionArn"])["status"]
        if status != "SUCCEEDED":
            raise RuntimeError(f"bare execution {status}")


class LatencyBench:
    def __init__(self, cloud: Any, api: Api, operator: str, log: RequestLog) -> None:
        import boto3
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        from chalicelib.core.settings import get_settings

        def client(service: str) -> Any:
            return boto3.session.Session().client(
                service,
                endpoint_url=cloud.endpoint_url,
                region_name=cloud.region,
                aws_access_key_id=CONTROL_PLANE_KEY,
                aws_secret_access_key="testing",  # noqa: S106 - the local server's dummy credentials
            )

        self.api = api
        self.log = log
        self.sqs, sfn = client("sqs"), client("stepfunctions")
        self.moto = MotoState(cloud.region)
        self.table = get_settings().table_name
        from gpuaas_client._api.api.admin import admin_create_os_image
        from gpuaas_client._api.api.catalog import get_sku
        from gpuaas_client._api.models import CreateOsImageBody

        self.sku = api.create_sku(operator, "bench-prov-sku")
        image = {"name": "bench-prov-image", "family": "ubuntu", "version": "22.04", "container_image": "cuda:12"}
        answer = admin_create_os_image.sync_detailed(
            client=api.generated(operator), body=CreateOsImageBody.from_dict(image)
        )
        self.image = api.expect(answer, 201)
        nodes = math.ceil((WARMUP + ALLOCATIONS) / NODE_GPUS)
        self.node_gpus = math.ceil((WARMUP + ALLOCATIONS) / nodes)  # no more slots than needed: a smaller table
        self.nodes = {
            n.node_id: n
            for n in (
                ScriptedNode(api, self.sqs, operator, self.sku.id, f"bench-scripted-{i}.fleet", self.node_gpus)
                for i in range(nodes)
            )
        }
        self.customer = api.client(api.token("bench-prov-customer", "bench-prov-org", "member"))
        public_key = (
            ed25519.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
            .decode()
        )
        self.customer.add_ssh_key("laptop", public_key)
        slots = nodes * self.node_gpus

        def free_slots() -> int:
            return int(api.expect(get_sku.sync_detailed(self.sku.id, client=api.generated(None)), 200).free_slots)

        _wait(lambda: free_slots() >= slots, 10, "slots", 0.05)
        self.bare = BareMachine(sfn, self.sqs, self.moto)
        self.sfn = sfn
        self.create = Leg("(a) POST /v1/allocations -> provision command on node queue")
        self.active = Leg("(b) provision result POST -> allocation active")
        self.post_create = Leg("    POST /v1/allocations alone (202)")
        self.post_result = Leg("    provision result POST alone (200)")
        self.base_start = Leg("StartExecution -> token message on queue")
        self.base_finish = Leg("SendTaskSuccess -> execution SUCCEEDED")
        self.base_start_call = Leg("StartExecution alone")
        self.base_success_call = Leg("SendTaskSuccess alone")
        self.elapsed = 0.0
        self.gc_pauses: list[float] = []
        self.measured_from = self.measured_to = 0.0

    def _state(self, allocation_id: str) -> str:
        return self.moto.allocation_state(self.table, allocation_id)

    def _allocation_round(self, measured: bool) -> None:
        key = str(uuid.uuid4())
        started = time.perf_counter()
        allocation = self.customer.create_allocation(self.sku.id, self.image.id, 1, idempotency_key=key)
        posted = time.perf_counter()
        node = self.nodes[allocation.node_id]
        command = node.next_command()
        received = time.perf_counter()
        if command["type"] != "provision" or command["payload"]["allocation_id"] != allocation.id:
            raise RuntimeError(f"unexpected command {command['type']} for {command['payload']}")
        reporting = time.perf_counter()
        node.report(command["command_id"], ssh_host="bench-scripted.fleet", ssh_port=2201, ssh_user="gpuaas")
        reported = time.perf_counter()
        _wait(lambda: self._state(allocation.id) == "active", 10, "allocation active")
        active = time.perf_counter()
        if measured:
            self.create.add(started, received, self.log)
            self.post_create.add(started, posted, self.log)
            self.active.add(reporting, active, self.log)
            self.post_result.add(reporting, reported, self.log)

    def run(self, before_measuring: Callable[[], None]) -> None:
        for _ in range(WARMUP):  # warm every path: first Lambda imports, first executions
            self.bare.round(Leg("warm"), Leg("warm"))
            self._allocation_round(False)
        before_measuring()
        # The collector runs between rounds, not inside a leg: this one process holds moto's whole
        # database (each transaction's backup copy is cyclic garbage), and a full pass over it would
        # pause whichever leg it lands in for up to seconds. Each round's garbage is young: a young
        # collection (generations 0 and 1) after the round frees it.
        gc.collect()
        gc.disable()
        try:
            self.measured_from = started = time.perf_counter()
            for _ in range(ALLOCATIONS):  # interleaved, so drift hits both alike
                self.bare.round(self.base_start, self.base_finish)
                self._allocation_round(True)
                self._young_collection()
            self.measured_to = time.perf_counter()
            self.elapsed = self.measured_to - started
            self._alone()
        finally:
            gc.enable()

    def _young_collection(self) -> None:
        began = time.perf_counter()
        gc.collect(1)
        self.gc_pauses.append(time.perf_counter() - began)

    def _alone(self) -> None:
        """The baseline's two calls alone: the Step Functions side of the product's two POSTs."""
        for _ in range(ALONE):
            began = time.perf_counter()
            execution = self.sfn.start_execution(
                stateMachineArn=self.bare.arn, name=f"bench-{uuid.uuid4()}", input="{}"
            )
            self.base_start_call.add(began, time.perf_counter())
            r = self.sqs.receive_message(QueueUrl=self.bare.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=5)
            message = r["Messages"][0]
            self.sqs.delete_message(QueueUrl=self.bare.queue_url, ReceiptHandle=message["ReceiptHandle"])
            began = time.perf_counter()
            self.sfn.send_task_success(taskToken=json.loads(message["Body"])["token"], output="{}")
            self.base_success_call.add(began, time.perf_counter())
            running = self.moto.execution(execution["executionArn"])
            _wait(lambda r=running: r.status != "RUNNING", 10, "bare execution")
            self._young_collection()

    def rows(self) -> list[tuple[str, ...]]:
        def row(leg: Leg, base: Leg) -> tuple[str, ...]:
            if leg.dynamodb:
                calls = statistics.median(len(d) for d in leg.dynamodb)
                twi = statistics.median(sum(1 for a, _ in d if a == "TransactWriteItems") for d in leg.dynamodb)
                spent = percentile([sum(t for _, t in d) for d in leg.dynamodb], 50)
                twi_spent = percentile(_twi_seconds(leg), 50)
                dynamodb = f"{calls:.0f}, {spent * 1e3:.1f} ({twi:.0f} TWI, {twi_spent * 1e3:.1f})"
            else:
                dynamodb = ""
            return (
                leg.label,
                f"{leg.p(50) * 1e3:.1f}",
                f"{leg.p(99) * 1e3:.1f}",
                dynamodb,
                base.label,
                f"{base.p(50) * 1e3:.1f}",
                f"{base.p(99) * 1e3:.1f}",
                f"{leg.p(50) / base.p(50):.2f}x",
                f"{leg.p(99) / base.p(99):.2f}x",
            )

        return [
            row(self.create, self.base_start),
            row(self.post_create, self.base_start_call),
            row(self.active, self.base_finish),
            row(self.post_result, self.base_success_call),
        ]

    def notes(self, agent_api_during_rounds: int) -> list[tuple[str, str]]:
        def minus(leg: Leg) -> str:
            less_twi = [s - t for s, t in zip(leg.samples, _twi_seconds(leg), strict=True)]
            less_all = [s - sum(t for _, t in d) for s, d in zip(leg.samples, leg.dynamodb, strict=True)]
            return (
                f"less its TWI time: p50 {percentile(less_twi, 50) * 1e3:.1f} ms, p99 "
                f"{percentile(less_twi, 99) * 1e3:.1f} ms; less all its DynamoDB time: p50 "
                f"{percentile(less_all, 50) * 1e3:.1f} ms, p99 {percentile(less_all, 99) * 1e3:.1f} ms"
            )

        twi = _twi_seconds(self.create)
        first, last = twi[:10], twi[-10:]
        return [
            (
                "rounds",
                f"{ALLOCATIONS} allocations (1-GPU SKU, {len(self.nodes)} scripted node(s) of {self.node_gpus} GPUs, "
                f"none released) interleaved with {ALLOCATIONS} bare executions, after {WARMUP} warm-up rounds of "
                f"each; {self.elapsed:.1f} s; the 'alone' rows: {ALONE} further bare executions",
            ),
            (
                "how a leg ends",
                f"queue legs: a long-polling ReceiveMessage returns the message; state legs: the allocation item's "
                f"state (baseline: the execution's status) read in moto's memory every {POLL_S * 1e3:.0f} ms; "
                "percentiles nearest rank",
            ),
            ("(a) less moto's DynamoDB time", minus(self.create)),
            ("(b) less moto's DynamoDB time", minus(self.active)),
            (
                "moto TWI time in (a), growth",
                f"median {statistics.median(first) * 1e3:.1f} ms over the first 10 rounds, "
                f"{statistics.median(last) * 1e3:.1f} ms over the last 10: moto deep-copies the whole table (with its "
                "stream records) to back a transaction up, and the table grows with every allocation; "
                + (
                    "here once per transaction (ROLLBACK_COPY_ONCE; moto itself copies once per item)"
                    if ROLLBACK_COPY_ONCE
                    else "once per item of the transaction, as moto does"
                ),
            ),
            (
                "garbage collector",
                f"off during the measured rounds; a young collection after each round (outside the legs): p50 "
                f"{percentile(self.gc_pauses, 50) * 1e3:.0f} ms, longest {max(self.gc_pauses) * 1e3:.0f} ms, "
                f"{sum(self.gc_pauses):.1f} s in all",
            ),
            (
                "idle agent during the rounds",
                f"its API requests served during the measured rounds: {agent_api_during_rounds} (heartbeats, "
                "on the same API as the legs)",
            ),
        ]


# -- 2 and 3. the idle agent -----------------------------------------------------------------------


class IdleAgent:
    def __init__(self, cloud: Any, api: Api, operator: str, log: RequestLog) -> None:
        from localcloud.agents import AgentFleet

        sku = api.create_sku(operator, "bench-agent-sku")
        self.token = api.bootstrap_token(operator, sku.id)
        self.log = log
        self.fleet = AgentFleet(cloud.api_url)
        self.bare: subprocess.Popen[bytes] | None = None
        self.node_token = self.queue = self.key = ""
        self.opened = 0.0

    def start(self) -> None:
        self.bare = subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", BASELINE_PROCESS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.fleet.start("bench-idle.fleet", self.token, AGENT_GPUS, "H100-80GB-SXM")

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.fleet.hosts[0].process

    def open_window(self) -> None:
        """The window opens at the agent's first long poll: its start-up (imports, registration) is left out."""
        credentials = self.fleet.root / "bench-idle.fleet" / "credentials.json"
        _wait(lambda: credentials.exists() or self.process.poll() is not None, 60, "agent registration", 0.01)
        _wait(lambda: self._first_poll() or self.process.poll() is not None, 60, "agent's first poll", 0.01)
        if self.process.poll() is not None:
            raise RuntimeError(f"the agent exited with {self.process.returncode}; log in {self.fleet.root}")
        time.sleep(0.2)  # let the receive that opened the window settle in the agent
        assert self.bare is not None
        self.opened = time.perf_counter()
        self.cpu0 = _proc_cpu_seconds(self.process.pid)
        self.bare_cpu0 = _proc_cpu_seconds(self.bare.pid)
        self.rss0 = _proc_rss_kib(self.process.pid)

    def _first_poll(self) -> bool:
        if not self.key:
            credentials = json.loads((self.fleet.root / "bench-idle.fleet" / "credentials.json").read_text())
            self.node_token = credentials["node_token"]
            self.queue = credentials["queue_url"].rsplit("/", 1)[-1]
            self.key = self.log.agent_key(self.queue)
        return bool(self.key) and any(c.action == "ReceiveMessage" for c in self.log.signed_with(self.key))

    def close_window(self) -> list[tuple[str, ...]]:
        assert self.bare is not None
        remaining = self.opened + AGENT_WINDOW_S - time.perf_counter()
        if remaining > 0:
            time.sleep(remaining)
        closed = time.perf_counter()
        pid, bare_pid = self.process.pid, self.bare.pid
        cpu, bare_cpu = _proc_cpu_seconds(pid) - self.cpu0, _proc_cpu_seconds(bare_pid) - self.bare_cpu0
        rss, bare_rss = _proc_rss_kib(pid), _proc_rss_kib(bare_pid)
        window = closed - self.opened
        calls = self.log.signed_with(self.key, self.opened, closed)
        queues = {c.queue for c in self.log.signed_with(self.key)}
        receives = [c.at for c in self.log.signed_with(self.key) if c.action == "ReceiveMessage"]
        api_calls = self.log.api_between(self.opened, closed, self.node_token)

        cpu_pct, bare_pct = cpu / window * 100, bare_cpu / window * 100
        per_hour = 3600 / window
        gaps = [b - a for a, b in itertools.pairwise(receives)]
        actions = ", ".join(f"{a} x{n}" for a, n in sorted(Counter(c.action for c in calls).items())) or "none"
        paths = ", ".join(f"{p} x{n}" for p, n in sorted(Counter(api_calls).items())) or "none"
        sqs_design = 3600 / LONG_POLL_S
        api_design = 3600 / HEARTBEAT_S + CREDENTIALS_PER_HOUR
        by_gap = 3600 / statistics.fmean(gaps) if gaps else 0.0
        return [
            (
                "agent VmRSS, idle (end of window)",
                f"{rss / 1024:.1f} MiB (window start {self.rss0 / 1024:.1f} MiB)",
                f"{bare_rss / 1024:.1f} MiB: python -c '{BASELINE_PROCESS}'",
                f"{rss / bare_rss:.2f}x",
            ),
            (
                f"agent CPU, idle {window:.1f} s",
                f"{cpu_pct:.3f}% of one core ({cpu * 1e3:.0f} ms CPU; ticks of {1e3 / TICK:.0f} ms)",
                f"{bare_pct:.3f}% ({bare_cpu * 1e3:.0f} ms CPU), the bare process",
                f"{cpu_pct / bare_pct:.1f}x" if bare_pct else "n/a (bare: 0 ticks)",
            ),
            (
                "SQS requests per node-hour: count in window, scaled",
                f"{len(calls)} in {window:.1f} s ({actions}) = {len(calls) * per_hour:.0f}/h",
                f"design: one {LONG_POLL_S} s long poll at a time = {sqs_design:.0f}/h",
                f"{len(calls) * per_hour / sqs_design:.2f}x",
            ),
            (
                "SQS requests per node-hour: by ReceiveMessage gap",
                f"{by_gap:.0f}/h (mean gap {statistics.fmean(gaps):.2f} s over {len(gaps)} gaps from its first; "
                f"queues its key touched: {len(queues)}, its node queue's: {queues == {self.queue}})"
                if gaps
                else "fewer than two ReceiveMessage calls",
                f"{sqs_design:.0f}/h",
                f"{by_gap / sqs_design:.2f}x" if gaps else "",
            ),
            (
                "agent API requests per node-hour (its node token)",
                f"{len(api_calls)} in {window:.1f} s ({paths}) = {len(api_calls) * per_hour:.0f}/h scaled",
                f"design: heartbeat every {HEARTBEAT_S} s +-15% + credentials ~{CREDENTIALS_PER_HOUR:.1f}/h "
                f"= {api_design:.0f}/h",
                f"{len(api_calls) * per_hour / api_design:.2f}x",
            ),
        ]

    def stop(self) -> None:
        self.fleet.signal_stop()
        self.fleet.wait(timeout=10)
        if self.bare is not None:
            self.bare.kill()
            self.bare.wait()


# -- entry -----------------------------------------------------------------------------------------


def _reset_moto() -> None:
    """moto's state lives as long as the process: a local cloud an earlier bench ran leaves its
    tables behind (the next one could not create its own), and ours would outlive this bench."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def _forget_connections() -> None:
    """pynamodb keeps a connection per model class, made for the endpoint of its day: after an
    earlier bench's local cloud (same table name, another port) it would still call that one."""
    from chalicelib.storage.table import TableItem

    classes: list[type] = [TableItem]
    while classes:
        cls = classes.pop()
        if "_connection" in cls.__dict__:
            cls._connection = None  # type: ignore[attr-defined]
        classes.extend(cls.__subclasses__())


def run() -> tuple[list[tuple[str, ...]], list[tuple[str, str]], list[tuple[str, ...]]]:
    """(latency rows, latency notes, idle agent rows)."""
    from localcloud.cloud import LocalCloud

    # The workflow Lambdas print their metrics (EMF) to stdout, as on AWS; they would bury the tables.
    with (
        open(os.devnull, "w") as quiet,
        contextlib.redirect_stdout(quiet),
        _env({"GPUAAS_RATE_LIMITS": RATE_LIMITS}),
    ):
        _reset_moto()
        cloud = LocalCloud(api_port=0, pollers="manual", retry_failed_after=0).start()
        try:
            from chalicelib import bootstrap

            bootstrap.reset()
            _forget_connections()
            once = contextlib.nullcontext() if ROLLBACK_COPY_ONCE else _moto_backup_per_item()
            with once, RequestLog().installed() as log:
                api = Api(cloud.api_url)
                operator = api.token("bench-prov-operator", "gpuaas-ops", "operator")
                latency = LatencyBench(cloud, api, operator, log)
                agent = IdleAgent(cloud, api, operator, log)
                try:
                    agent.start()  # starts up while the warm-up rounds run
                    latency.run(before_measuring=agent.open_window)
                    agent_rows = agent.close_window()
                finally:
                    agent.stop()
                during = len(log.api_between(latency.measured_from, latency.measured_to, agent.node_token))
            bootstrap.reset()
        finally:
            cloud.stop()
            _reset_moto()
    return latency.rows(), latency.notes(during), agent_rows


def main() -> None:
    from bench.table import print_table

    latency_rows, notes, agent_rows = run()
    print_table(latency_title(), latency_rows, LATENCY_HEADER)
    print_table("Provisioning latency: notes", notes, ("what", "measured"))
    print_table(agent_title(), agent_rows, AGENT_HEADER)


if __name__ == "__main__":
    main()
