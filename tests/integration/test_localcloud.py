"""The local cloud realises infra/template.yaml and runs what AWS would run (see doc/local-cloud.md)."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _template() -> dict:
    """Parsed independently of localcloud.template, so that a resolver bug cannot hide here."""
    from cfnlint.decode import decode

    template, matches = decode(str(ROOT / "infra" / "template.yaml"))
    assert not matches
    return json.loads(json.dumps(template))


def _sub_local(value) -> str:
    assert isinstance(value, dict) and "Fn::Sub" in value, value
    return value["Fn::Sub"].replace("${Stage}", "local")


def _no_retry_client(cloud, service: str):
    return boto3.client(
        service,
        endpoint_url=cloud.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=120),
    )


# ---------------------------------------------------------------- template parity
def test_resources_env_and_handlers_match_the_template(cloud):
    template = _template()
    resources = template["Resources"]
    res = cloud.resources

    assert res.table_name == _sub_local(resources["GpuaasTable"]["Properties"]["TableName"])
    table = cloud.client("dynamodb").describe_table(TableName=res.table_name)["Table"]
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    ttl = cloud.client("dynamodb").describe_time_to_live(TableName=res.table_name)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "ttl"

    assert res.event_bus_name == _sub_local(resources["EventBus"]["Properties"]["Name"])
    cloud.client("events").describe_event_bus(Name=res.event_bus_name)

    queues = {k: v for k, v in resources.items() if v["Type"] == "AWS::SQS::Queue"}
    assert set(res.queue_urls) == set(queues)
    for logical_id, queue in queues.items():
        assert res.queue_urls[logical_id].endswith("/" + _sub_local(queue["Properties"]["QueueName"]))
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=res.queue_urls["EventsArchiveQueue"], AttributeNames=["All"]
    )["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == 5
    assert redrive["deadLetterTargetArn"].endswith(":gpuaas-local-events-archive-dlq")
    assert attributes["VisibilityTimeout"] == "60"

    log_groups = {k: v for k, v in resources.items() if v["Type"] == "AWS::Logs::LogGroup"}
    assert set(res.log_groups) == set(log_groups) == {"AllocationLogGroup", "AgentLogGroup"}
    parameters = template["Parameters"]
    described = {g["logGroupName"]: g for g in cloud.client("logs").describe_log_groups()["logGroups"]}
    for logical_id, group in log_groups.items():
        name = _sub_local(group["Properties"]["LogGroupName"])
        assert res.log_groups[logical_id] == name
        retention = parameters[group["Properties"]["RetentionInDays"]["Ref"]]["Default"]
        assert described[name]["retentionInDays"] == retention, logical_id

    functions = {
        k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function" and "Handler" in v["Properties"]
    }
    assert res.handlers == {k: v["Properties"]["Handler"] for k, v in functions.items()}
    lam = cloud.client("lambda")
    for logical_id, name in res.functions.items():
        config = lam.get_function_configuration(FunctionName=name)
        assert config["Handler"] == functions[logical_id]["Properties"]["Handler"]
        assert name == _sub_local(functions[logical_id]["Properties"]["FunctionName"])

    import os

    global_env = template["Globals"]["Function"]["Environment"]["Variables"]
    literal = {k: v for k, v in global_env.items() if isinstance(v, str)}
    for name, value in literal.items():
        assert os.environ[name] == value, name
    assert os.environ["GPUAAS_STAGE"] == "local"
    assert os.environ["GPUAAS_TABLE_NAME"] == res.table_name
    assert os.environ["GPUAAS_EVENT_BUS_NAME"] == res.event_bus_name
    assert os.environ["GPUAAS_ALLOCATION_LOG_GROUP"] == res.log_groups["AllocationLogGroup"]
    assert os.environ["GPUAAS_AGENT_LOG_GROUP"] == res.log_groups["AgentLogGroup"]
    assert os.environ["GPUAAS_OIDC_ISSUER"] == f"{cloud.api_url}/v1/dev"
    assert os.environ["GPUAAS_OIDC_JWKS_URL"] == f"{cloud.api_url}/v1/dev/.well-known/jwks.json"
    assert os.environ["GPUAAS_DEV_ISSUER_PRIVATE_KEY"].startswith("-----BEGIN PRIVATE KEY-----")
    assert set(global_env) <= set(os.environ)


def test_reset_wipes_data_and_keeps_resources(cloud):
    ddb = cloud.client("dynamodb")
    ddb.put_item(TableName=cloud.resources.table_name, Item={"PK": {"S": "a"}, "SK": {"S": "b"}})
    cloud.client("sqs").send_message(QueueUrl=cloud.resources.queue_urls["EventsArchiveDLQ"], MessageBody="x")
    cloud.reset()  # how long it takes is a bench figure, not an assertion: it grows with the template
    assert ddb.scan(TableName=cloud.resources.table_name)["Count"] == 0
    assert "Messages" not in cloud.client("sqs").receive_message(
        QueueUrl=cloud.resources.queue_urls["EventsArchiveDLQ"]
    )


# ---------------------------------------------------------------- DynamoDB under concurrency
def test_concurrent_conditional_transactions_have_exactly_one_winner_and_exact_counters(cloud):
    ddb = _no_retry_client(cloud, "dynamodb")
    table = cloud.resources.table_name
    threads = 100
    barrier = threading.Barrier(threads)

    def claim(i: int) -> str:
        barrier.wait()
        items = [
            {
                "Put": {
                    "TableName": table,
                    "Item": {"PK": {"S": "NODE#n1"}, "SK": {"S": f"SLOT#{slot}"}, "owner": {"S": str(i)}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
            for slot in range(8)
        ]
        items.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {"PK": {"S": "NODE#n1"}, "SK": {"S": "COUNTER"}},
                    "UpdateExpression": "ADD claimed :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        )
        try:
            ddb.transact_write_items(TransactItems=items)
        except ClientError as exc:
            return exc.response["Error"]["Code"]
        return "won"

    def add_and_put(i: int) -> tuple[str, str]:
        barrier.wait()
        ddb.update_item(
            TableName=table,
            Key={"PK": {"S": "COUNTERS"}, "SK": {"S": "total"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        try:
            ddb.put_item(
                TableName=table,
                Item={"PK": {"S": f"KEY#{i % 10}"}, "SK": {"S": "x"}},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            return "put", exc.response["Error"]["Code"]
        return "put", "won"

    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(claim, range(threads)))
    assert outcomes.count("won") == 1
    assert set(outcomes) == {"won", "TransactionCanceledException"}
    owners = {
        item["owner"]["S"]
        for item in ddb.query(
            TableName=table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
            ExpressionAttributeValues={":pk": {"S": "NODE#n1"}, ":s": {"S": "SLOT#"}},
        )["Items"]
    }
    assert len(owners) == 1
    counter = ddb.get_item(TableName=table, Key={"PK": {"S": "NODE#n1"}, "SK": {"S": "COUNTER"}})["Item"]
    assert counter["claimed"]["N"] == "1"

    barrier = threading.Barrier(threads)
    with ThreadPoolExecutor(threads) as pool:
        puts = list(pool.map(add_and_put, range(threads)))
    assert [p[1] for p in puts].count("won") == 10
    assert {p[1] for p in puts} == {"won", "ConditionalCheckFailedException"}
    total = ddb.get_item(TableName=table, Key={"PK": {"S": "COUNTERS"}, "SK": {"S": "total"}})["Item"]
    assert total["n"]["N"] == str(threads)


# ---------------------------------------------------------------- SQS poller
def _send(cloud, bodies):
    sqs = cloud.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=cloud.resources.queue_urls["EventsArchiveQueue"], MessageBody=body)


def test_sqs_partial_batch_failure_redelivers_only_the_failed_message(cloud):
    seen: list[str] = []
    failed_once: set[str] = set()

    def handler(event, context):
        assert context.function_name == cloud.resources.functions["EventsArchiveFunction"]
        failures = []
        for record in event["Records"]:
            assert record["eventSource"] == "aws:sqs"
            assert record["eventSourceARN"].endswith(":gpuaas-local-events-archive")
            assert int(record["attributes"]["ApproximateReceiveCount"]) >= 1
            seen.append(record["body"])
            if record["body"] == "flaky" and "flaky" not in failed_once:
                failed_once.add("flaky")
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    cloud.set_handler("EventsArchiveFunction", handler)
    _send(cloud, ["a", "flaky", "b"])
    cloud.drain()
    assert sorted(seen) == ["a", "b", "flaky", "flaky"]
    assert (
        cloud.client("sqs").receive_message(QueueUrl=cloud.resources.queue_urls["EventsArchiveDLQ"]).get("Messages")
        is None
    )


def test_sqs_message_goes_to_the_dlq_after_max_receive_count_and_exceptions_fail_the_batch(cloud):
    attempts: dict[str, int] = {}

    def handler(event, context):
        failures = []
        for record in event["Records"]:
            attempts[record["body"]] = attempts.get(record["body"], 0) + 1
            if record["body"] == "poison":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    cloud.set_handler("EventsArchiveFunction", handler)
    _send(cloud, ["ok", "poison"])
    cloud.drain()
    assert attempts == {"ok": 1, "poison": 5}  # maxReceiveCount in the template
    dlq = cloud.client("sqs").receive_message(
        QueueUrl=cloud.resources.queue_urls["EventsArchiveDLQ"], MaxNumberOfMessages=10
    )["Messages"]
    assert [m["Body"] for m in dlq] == ["poison"]

    calls = []

    def raising(event, context):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("boom")
        return None

    cloud.set_handler("EventsArchiveFunction", raising)
    _send(cloud, ["x", "y"])
    cloud.drain()
    assert sum(calls[1:]) == 2 and calls[0] == 2  # the whole batch came back


# ---------------------------------------------------------------- stream poller
def _put(cloud, pk: str, kind: str, **extra):
    item = {"PK": {"S": pk}, "SK": {"S": "E"}, "type": {"S": kind}}
    item.update({k: {"S": v} for k, v in extra.items()})
    cloud.client("dynamodb").put_item(TableName=cloud.resources.table_name, Item=item)


def test_stream_filter_criteria_and_partial_batch_failure(cloud):
    calls: list[list[str]] = []
    failed: set[str] = set()

    def relay(event, context):
        pks = [r["dynamodb"]["Keys"]["PK"]["S"] for r in event["Records"]]
        calls.append(pks)
        for record in event["Records"]:
            assert record["eventName"] == "INSERT"
            assert record["eventSource"] == "aws:dynamodb"
            assert record["eventSourceARN"] == cloud.resources.stream_arn
            assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
            assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        for record in event["Records"]:
            pk = record["dynamodb"]["Keys"]["PK"]["S"]
            if pk == "o2" and pk not in failed:
                failed.add(pk)
                return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
        return {"batchItemFailures": []}

    cloud.set_handler("OutboxRelayFunction", relay)
    _put(cloud, "o1", "outbox")
    _put(cloud, "x1", "allocation")
    _put(cloud, "o2", "outbox")
    _put(cloud, "o3", "outbox")
    _put(cloud, "o1", "outbox", changed="yes")  # MODIFY: filtered out
    cloud.drain()
    assert calls == [["o1", "o2", "o3"], ["o2", "o3"]]
    cloud.drain()
    assert len(calls) == 2  # checkpointed: nothing is delivered twice more


def test_stream_retries_then_sends_the_batch_to_on_failure_queue(cloud):
    calls = []

    def relay(event, context):
        calls.append([r["dynamodb"]["Keys"]["PK"]["S"] for r in event["Records"]])
        first = event["Records"][0]
        if first["dynamodb"]["Keys"]["PK"]["S"] == "bad":
            return {"batchItemFailures": [{"itemIdentifier": first["dynamodb"]["SequenceNumber"]}]}
        return None

    cloud.set_handler("OutboxRelayFunction", relay)
    _put(cloud, "bad", "outbox")
    cloud.drain()
    assert len(calls) == 1 + 10  # MaximumRetryAttempts in the template
    messages = cloud.client("sqs").receive_message(QueueUrl=cloud.resources.queue_urls["OutboxRelayDLQ"])["Messages"]
    info = json.loads(messages[0]["Body"])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == cloud.resources.stream_arn
    _put(cloud, "good", "outbox")
    cloud.drain()
    assert calls[-1] == ["good"]  # the stream moved on


def test_stream_exception_bisects_the_batch(cloud):
    calls = []

    def relay(event, context):
        pks = [r["dynamodb"]["Keys"]["PK"]["S"] for r in event["Records"]]
        calls.append(pks)
        if "bad" in pks and len(pks) > 1:
            raise RuntimeError("batch contains a bad record")

    cloud.set_handler("OutboxRelayFunction", relay)
    for pk in ("a", "b", "c", "bad"):
        _put(cloud, pk, "outbox")
    cloud.drain()
    assert calls[0] == ["a", "b", "c", "bad"]
    assert calls[1] == ["a", "b"]
    assert ["bad"] in calls


# ---------------------------------------------------------------- scheduler, invoke
def test_run_schedule_invokes_the_handler_with_a_scheduled_event(cloud):
    events = []
    cloud.set_handler("CatalogReconcileFunction", lambda event, context: events.append(event) or "done")
    assert cloud.run_schedule("CatalogReconcileFunction") == "done"
    assert events[0]["detail-type"] == "Scheduled Event"
    assert events[0]["source"] == "aws.events"
    assert events[0]["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/gpuaas-local-catalog-reconcile"]


def test_lambda_invoke_through_moto_runs_the_handler_in_process(cloud):
    cloud.set_handler("CatalogReconcileFunction", lambda event, context: {"echo": event, "fn": context.function_name})
    response = cloud.client("lambda").invoke(
        FunctionName=cloud.resources.functions["CatalogReconcileFunction"], Payload=json.dumps({"x": 1})
    )
    payload = json.loads(response["Payload"].read())
    assert payload == {"echo": {"x": 1}, "fn": "gpuaas-local-catalog-reconcile"}
    assert "FunctionError" not in response


# ---------------------------------------------------------------- Step Functions
def test_state_machine_from_a_template_runs_its_lambda_task_in_process(cloud, tmp_path):
    from localcloud.bootstrap import bootstrap
    from localcloud.template import build_model

    template = (ROOT / "infra" / "template.yaml").read_text()
    template = template.replace(
        "\nOutputs:",
        """
  EchoStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: !Sub "gpuaas-${Stage}-echo"
      DefinitionUri: tests/fixtures/statemachines/echo.asl.json
      DefinitionSubstitutions:
        WorkFunctionArn: !GetAtt CatalogReconcileFunction.Arn

Outputs:""",
    )
    path = tmp_path / "template.yaml"
    path.write_text(template)
    spec = build_model(template_path=path).state_machines["EchoStateMachine"]
    assert spec.name == "gpuaas-local-echo"
    assert "arn:aws:lambda:us-east-1:123456789012:function:gpuaas-local-catalog-reconcile" in spec.definition

    # Create it through the same bootstrap code as the template's own resources (those exist already).
    model = build_model(template_path=path)
    model.tables, model.queues, model.queue_policies, model.buses, model.rules = {}, {}, {}, {}, {}
    model.functions, model.schedules = {}, []
    arn = bootstrap(cloud.client, model).state_machines["EchoStateMachine"]
    sfn = cloud.client("stepfunctions")
    cloud.set_handler("CatalogReconcileFunction", lambda event, context: {"doubled": event["n"] * 2})
    execution = sfn.start_execution(stateMachineArn=arn, name=str(uuid.uuid4()), input=json.dumps({"n": 21}))
    result = cloud.wait_execution(execution["executionArn"])
    assert result["status"] == "SUCCEEDED", result


# ---------------------------------------------------------------- API over HTTP
def test_unknown_route_and_broken_requests_get_the_error_envelope(cloud):
    response = requests.get(f"{cloud.api_url}/v1/no-such-thing", timeout=5)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "ROUTE_NOT_FOUND" and error["request_id"]
    assert response.headers["x-amzn-RequestId"] == error["request_id"]

    import socket

    for raw in (
        b"POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
        b"GET /v1/\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /v1/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ):
        with socket.create_connection(("127.0.0.1", int(cloud.api_url.rsplit(":", 1)[1])), timeout=5) as sock:
            sock.sendall(raw)
            head = sock.recv(65536).split(b"\r\n", 1)[0]
        assert head.startswith(b"HTTP/1.1 400"), (raw, head)


def test_wrong_method_is_405_with_the_envelope(cloud):
    app = pytest.importorskip("app").app
    route, methods = next(iter(app.routes.items()))
    wrong = next(m for m in ("DELETE", "PATCH", "PUT", "POST", "GET") if m not in methods)
    path = route.replace("{", "").replace("}", "")
    response = requests.request(wrong, f"{cloud.api_url}{path}", timeout=5)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_api_serves_a_burst_of_concurrent_requests(cloud):
    def post(i: int) -> int:
        return requests.post(f"{cloud.api_url}/v1/no-such-thing", data=b"{}" * i, timeout=10).status_code

    with ThreadPoolExecutor(100) as pool:
        assert set(pool.map(post, range(300))) == {404}
