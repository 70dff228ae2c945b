"""Create the template's resources through the AWS APIs (moto or LocalStack), not through CloudFormation.

moto's CloudFormation would create some of them, but state machines created that way are invisible
to its Step Functions executor, and its event source mappings must not run (the local pollers do
that job, with Lambda's semantics). Creating everything through the service APIs is also what makes
the same code work against LocalStack.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localcloud.template import ACCOUNT_ID, StackModel

ClientFactory = Callable[[str], Any]

_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
_STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass
class Resources:
    """What the running cloud holds, by the template's logical ids (all names resolved)."""

    stage: str
    region: str
    table_name: str
    stream_arn: str
    event_bus_name: str
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    queue_arns: dict[str, str] = field(default_factory=dict)
    buses: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)  # logical id -> rule name
    functions: dict[str, str] = field(default_factory=dict)  # logical id -> function name
    handlers: dict[str, str] = field(default_factory=dict)  # logical id -> Handler string
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    environment: dict[str, str] = field(default_factory=dict)  # resolved Globals env vars
    stream_arns: dict[str, str] = field(default_factory=dict)  # table logical id -> stream ARN
    log_groups: dict[str, str] = field(default_factory=dict)  # logical id -> log group name


def _dummy_zip() -> bytes:
    # moto stores the code but never runs it (the in-process runtime does); Lambda wants a valid zip.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "code runs in-process in the local cloud\n")
    return buffer.getvalue()


def _role(iam: Any, name: str, trust: dict[str, Any]) -> str:
    try:
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    except iam.exceptions.EntityAlreadyExistsException:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])


def _create_table(ddb: Any, props: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": props["TableName"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if props.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    description: dict[str, Any] = ddb.create_table(**request)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        ddb.update_time_to_live(
            TableName=props["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    return description


def _queue_attributes(props: dict[str, Any], visibility_override: int | None) -> dict[str, str]:
    simple = (
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DelaySeconds",
        "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    )
    attributes = {
        key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
        for key in simple
        if key in props
    }
    if visibility_override is not None:
        attributes["VisibilityTimeout"] = str(visibility_override)
    if "RedrivePolicy" in props:
        policy = props["RedrivePolicy"]
        attributes["RedrivePolicy"] = policy if isinstance(policy, str) else json.dumps(policy)
    return attributes


def bootstrap(client: ClientFactory, model: StackModel, visibility_override: int | None = None) -> Resources:
    """Create every resource of ``model``. ``visibility_override`` exists for tests only."""
    ddb, sqs, events = client("dynamodb"), client("sqs"), client("events")
    iam, lam = client("iam"), client("lambda")

    tables, stream_arns = {}, {}
    for logical_id, props in model.tables.items():
        description = _create_table(ddb, props)
        tables[logical_id] = props["TableName"]
        if description.get("LatestStreamArn"):
            stream_arns[logical_id] = description["LatestStreamArn"]

    # Dead-letter queues first: a redrive policy must name an existing queue.
    queue_urls, queue_arns = {}, {}
    ordered = sorted(model.queues.items(), key=lambda item: "RedrivePolicy" in item[1])
    for logical_id, props in ordered:
        url = sqs.create_queue(QueueName=props["QueueName"], Attributes=_queue_attributes(props, visibility_override))[
            "QueueUrl"
        ]
        queue_urls[logical_id] = url
        queue_arns[logical_id] = model.arns[logical_id]
    for spec in model.queue_policies.values():
        for queue_id in spec["QueueIds"]:
            sqs.set_queue_attributes(
                QueueUrl=queue_urls[queue_id], Attributes={"Policy": json.dumps(spec["PolicyDocument"])}
            )

    log_groups = {}
    if model.log_groups:
        logs = client("logs")
        for logical_id, props in model.log_groups.items():
            # Another stack of the same stage may have made it already (as with roles).
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_group(logGroupName=props["LogGroupName"])
            if "RetentionInDays" in props:
                logs.put_retention_policy(
                    logGroupName=props["LogGroupName"], retentionInDays=int(props["RetentionInDays"])
                )
            log_groups[logical_id] = props["LogGroupName"]

    if model.email_identities:
        sesv2 = client("sesv2")
        for identity in model.email_identities.values():
            # Verified at once by moto; on AWS the identity's owner confirms it (doc/deploy.md).
            with contextlib.suppress(sesv2.exceptions.AlreadyExistsException):
                sesv2.create_email_identity(EmailIdentity=identity)
    if model.kms_aliases:
        kms = client("kms")
        existing = {a["AliasName"] for a in kms.list_aliases().get("Aliases", [])}
        for alias in model.kms_aliases.values():
            # Another stack of the same stage may have made it already (as with roles and log groups).
            if alias in existing:
                continue
            key_id = kms.create_key(Description=alias)["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)

    buses = {}
    for logical_id, props in model.buses.items():
        events.create_event_bus(Name=props["Name"])
        buses[logical_id] = props["Name"]

    rules = {}
    for logical_id, props in model.rules.items():
        request: dict[str, Any] = {"Name": props["Name"], "State": props.get("State", "ENABLED")}
        if props.get("EventBusName"):
            request["EventBusName"] = props["EventBusName"]
        if "EventPattern" in props:
            pattern = props["EventPattern"]
            request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        if "ScheduleExpression" in props:
            request["ScheduleExpression"] = props["ScheduleExpression"]
        events.put_rule(**request)
        targets = []
        for target in props.get("Targets", []):
            entry = {"Id": target["Id"], "Arn": target["Arn"]}
            for key in ("Input", "InputPath", "InputTransformer", "SqsParameters"):
                if key in target:
                    entry[key] = target[key]
            targets.append(entry)
        if targets:
            kwargs = {"EventBusName": props["EventBusName"]} if props.get("EventBusName") else {}
            events.put_targets(Rule=props["Name"], Targets=targets, **kwargs)
        rules[logical_id] = props["Name"]
    # Schedule events become rules on the default bus (the scheduler thread fires them, moto never does).
    for schedule in model.schedules:
        events.put_rule(
            Name=schedule.rule_name,
            ScheduleExpression=schedule.expression,
            State="ENABLED" if schedule.enabled else "DISABLED",
        )

    functions, handlers = {}, {}
    code = _dummy_zip()
    for logical_id, function in model.functions.items():
        role_arn = _role(iam, f"{function.name}-role"[:64], _LAMBDA_TRUST)
        lam.create_function(
            FunctionName=function.name,
            Runtime=function.runtime,
            Role=role_arn,
            Handler=function.handler,
            Code={"ZipFile": code},
            Timeout=function.timeout,
            MemorySize=function.memory_size,
            Environment={"Variables": function.environment},
        )
        functions[logical_id] = function.name
        handlers[logical_id] = function.handler

    state_machines = {}
    if model.state_machines:
        sfn = client("stepfunctions")
        role_arn = _role(iam, f"{model.stack_name}-states-role", _STATES_TRUST)
        for logical_id, machine in model.state_machines.items():
            arn = sfn.create_state_machine(
                name=machine.name, definition=machine.definition, roleArn=role_arn, type=machine.type
            )["stateMachineArn"]
            state_machines[logical_id] = arn

    table_id = next(iter(tables), None)
    bus_id = next(iter(buses), None)
    return Resources(
        stage=model.stage,
        region=model.region,
        table_name=tables[table_id] if table_id else "",
        stream_arn=stream_arns.get(table_id, "") if table_id else "",
        event_bus_name=buses[bus_id] if bus_id else "",
        tables=tables,
        queue_urls=queue_urls,
        queue_arns=queue_arns,
        buses=buses,
        rules=rules,
        functions=functions,
        handlers=handlers,
        state_machines=state_machines,
        environment=dict(model.global_environment),
        stream_arns=stream_arns,
        log_groups=log_groups,
    )


__all__ = ["ACCOUNT_ID", "Resources", "bootstrap"]
