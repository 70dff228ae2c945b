"""Read infra/template.yaml and resolve it the way CloudFormation would for one stack.

Everything the local cloud creates (names, env vars, handlers, triggers) comes from here, so the
template stays the one definition of every resource. Only the intrinsics the template uses are
resolved: Ref, Fn::Sub, Fn::GetAtt, Fn::If (with Equals/Not/And/Or), Fn::Join, Fn::Select, AWS::NoValue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "infra" / "template.yaml"
ACCOUNT_ID = "123456789012"
_NO_VALUE = object()  # AWS::NoValue: the property disappears
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def load_raw_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain dicts, with short-form tags (!Ref, !Sub, ...) in their long form."""
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if matches or template is None:
        raise ValueError(f"cannot parse {path}: {[str(m) for m in matches]}")
    plain: dict[str, Any] = json.loads(json.dumps(template))
    return plain


@dataclass(frozen=True)
class StreamMapping:
    """A DynamoDB stream event source of a function (Lambda's stream poller settings)."""

    function_id: str
    event_id: str
    table_id: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    maximum_retry_attempts: int = -1  # -1 = until the record expires, like Lambda
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    filter_patterns: tuple[str, ...] = ()
    on_failure_queue_id: str | None = None


@dataclass(frozen=True)
class QueueMapping:
    """An SQS event source of a function."""

    function_id: str
    event_id: str
    queue_id: str
    batch_size: int = 10
    report_batch_item_failures: bool = False


@dataclass(frozen=True)
class ScheduleSpec:
    function_id: str
    event_id: str
    rule_name: str
    expression: str
    input: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    environment: dict[str, str]


@dataclass(frozen=True)
class StateMachineSpec:
    logical_id: str
    name: str
    definition: str  # JSON text with DefinitionSubstitutions applied
    type: str = "STANDARD"


@dataclass(frozen=True)
class WebSocketApiSpec:
    """An API Gateway WebSocket API: its routes, each the function its Lambda proxy integration names."""

    logical_id: str
    name: str
    stage_name: str
    route_selection_expression: str
    routes: dict[str, str]  # route key ($connect, $default, ...) -> function logical id


@dataclass
class StackModel:
    """The resolved template: what the local cloud must realise."""

    stage: str
    region: str
    stack_name: str
    parameters: dict[str, str]
    global_environment: dict[str, str]
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical id -> resolved Properties
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    buses: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    stream_mappings: list[StreamMapping] = field(default_factory=list)
    queue_mappings: list[QueueMapping] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    state_machines: dict[str, StateMachineSpec] = field(default_factory=dict)
    log_groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical id -> resolved Properties
    websocket_apis: dict[str, WebSocketApiSpec] = field(default_factory=dict)
    email_identities: dict[str, str] = field(default_factory=dict)  # logical id -> the SES identity
    # KMS keys are made for their aliases (logical id -> alias name); code names a key by alias.
    kms_aliases: dict[str, str] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)  # what Ref returns, by logical id
    arns: dict[str, str] = field(default_factory=dict)


class Resolver:
    """Resolves intrinsic functions against one stack's parameters and physical names."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, str], region: str, stack_name: str) -> None:
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources", {})
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{stack_name}/local",
        }
        self.region = region
        self.stack_name = stack_name
        self.parameters = parameters
        self.conditions = template.get("Conditions", {})

    # -- names ------------------------------------------------------------------------------------
    def _explicit_name(self, logical_id: str) -> str | None:
        resource = self.resources[logical_id]
        props = resource.get("Properties", {})
        key = {
            "AWS::DynamoDB::Table": "TableName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::Events::EventBus": "Name",
            "AWS::Events::Rule": "Name",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::Serverless::StateMachine": "Name",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::IAM::Role": "RoleName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::KMS::Alias": "AliasName",
        }.get(resource.get("Type", ""))
        if key and key in props:
            return str(self.resolve(props[key]))
        return None

    def name_of(self, logical_id: str) -> str:
        # CloudFormation would generate "<stack>-<LogicalId>-<random>"; locally the suffix is dropped.
        return self._explicit_name(logical_id) or f"{self.stack_name}-{logical_id}"

    def arn_of(self, logical_id: str) -> str:
        kind = self.resources[logical_id].get("Type", "")
        name, region, acct = self.name_of(logical_id), self.region, ACCOUNT_ID
        if kind == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{region}:{acct}:table/{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{region}:{acct}:{name}"
        if kind == "AWS::Events::EventBus":
            return f"arn:aws:events:{region}:{acct}:event-bus/{name}"
        if kind == "AWS::Events::Rule":
            bus = self.resources[logical_id].get("Properties", {}).get("EventBusName")
            bus_name = self.resolve(bus) if bus else "default"
            prefix = "" if bus_name == "default" else f"{bus_name}/"
            return f"arn:aws:events:{region}:{acct}:rule/{prefix}{name}"
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return f"arn:aws:lambda:{region}:{acct}:function:{name}"
        if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            return f"arn:aws:states:{region}:{acct}:stateMachine:{name}"
        if kind == "AWS::IAM::Role":
            return f"arn:aws:iam::{acct}:role/{name}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{region}:{acct}:log-group:{name}:*"  # as CloudFormation's GetAtt Arn
        return f"arn:aws:local:{region}:{acct}:{logical_id}"

    def ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.resources:
            kind = self.resources[name].get("Type", "")
            if kind == "AWS::SQS::Queue":
                # Ref of a queue is its URL; the local cloud fixes the host when it knows the endpoint.
                return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{self.name_of(name)}"
            if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
                return self.arn_of(name)
            return self.name_of(name)
        raise KeyError(f"unresolvable Ref {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn_of(logical_id)
        if attribute in ("QueueName", "Name", "TableName"):
            return self.name_of(logical_id)
        if attribute == "QueueUrl":
            return str(self.ref(logical_id))
        if attribute == "StreamArn":
            # The real label is known only once the table exists; pollers look the stream up by table.
            return f"{self.arn_of(logical_id)}/stream/local"
        raise KeyError(f"unsupported Fn::GetAtt {logical_id}.{attribute}")

    # -- intrinsics -------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        return bool(self._eval_condition(self.conditions[name]))

    def _eval_condition(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, value),) = node.items()
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in value)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._eval_condition(value[0])
            if key == "Fn::And":
                return all(self._eval_condition(v) for v in value)
            if key == "Fn::Or":
                return any(self._eval_condition(v) for v in value)
            if key == "Condition":
                return self.condition(value)
        return self.resolve(node)

    def sub(self, text: str, variables: dict[str, Any] | None = None) -> str:
        variables = variables or {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and name.split(".", 1)[0] in self.resources:
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return _SUB_VAR.sub(replace, text).replace("${!", "${")

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return self.ref(value)
            if key == "Fn::Sub":
                if isinstance(value, list):
                    return self.sub(value[0], value[1])
                return self.sub(value)
            if key == "Fn::GetAtt":
                parts = value.split(".", 1) if isinstance(value, str) else value
                return self.get_att(parts[0], parts[1])
            if key == "Fn::If":
                name, when_true, when_false = value
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Join":
                sep, items = value
                return sep.join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                index, items = value
                return self.resolve(items)[int(self.resolve(index))]
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}


def source_logical_id(node: Any) -> str:
    """The logical id an event source points at (``!GetAtt Queue.Arn`` -> ``Queue``)."""
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        value = node["Fn::GetAtt"]
        return str(value.split(".", 1)[0] if isinstance(value, str) else value[0])
    if isinstance(node, dict) and "Ref" in node:
        return str(node["Ref"])
    raise ValueError(f"event source must reference a resource of the template, got {node!r}")


def build_model(
    stage: str = "local",
    region: str = "us-east-1",
    stack_name: str | None = None,
    parameter_overrides: dict[str, str] | None = None,
    template_path: Path = TEMPLATE_PATH,
    project_root: Path = PROJECT_ROOT,
) -> StackModel:
    template = load_raw_template(template_path)
    stack_name = stack_name or f"gpuaas-{stage}"
    parameters = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    parameters["Stage"] = stage
    parameters.update(parameter_overrides or {})
    resolver = Resolver(template, parameters, region, stack_name)
    globals_fn = template.get("Globals", {}).get("Function", {})
    global_env = {
        k: str(v) for k, v in resolver.resolve(globals_fn.get("Environment", {}).get("Variables", {})).items()
    }
    model = StackModel(
        stage=stage,
        region=region,
        stack_name=stack_name,
        parameters=parameters,
        global_environment=global_env,
    )
    for logical_id, resource in resolver.resources.items():
        kind = resource.get("Type", "")
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        raw_props = resource.get("Properties", {})
        model.physical_ids[logical_id] = str(resolver.ref(logical_id))
        model.arns[logical_id] = resolver.arn_of(logical_id)
        if kind == "AWS::DynamoDB::Table":
            props = resolver.resolve(raw_props)
            props["TableName"] = resolver.name_of(logical_id)
            model.tables[logical_id] = props
        elif kind == "AWS::SQS::Queue":
            props = resolver.resolve(raw_props)
            props["QueueName"] = resolver.name_of(logical_id)
            model.queues[logical_id] = props
        elif kind == "AWS::SQS::QueuePolicy":
            queue_ids = [source_logical_id(q) for q in raw_props.get("Queues", [])]
            model.queue_policies[logical_id] = {
                "QueueIds": queue_ids,
                "PolicyDocument": resolver.resolve(raw_props["PolicyDocument"]),
            }
        elif kind == "AWS::Logs::LogGroup":
            props = resolver.resolve(raw_props)
            props["LogGroupName"] = resolver.name_of(logical_id)
            model.log_groups[logical_id] = props
        elif kind == "AWS::SES::EmailIdentity":
            model.email_identities[logical_id] = str(resolver.resolve(raw_props["EmailIdentity"]))
        elif kind == "AWS::Events::EventBus":
            model.buses[logical_id] = {"Name": resolver.name_of(logical_id)}
        elif kind == "AWS::Events::Rule":
            props = resolver.resolve(raw_props)
            props["Name"] = resolver.name_of(logical_id)
            props["TargetIds"] = [_target_logical_id(t) for t in raw_props.get("Targets", [])]
            model.rules[logical_id] = props
        elif kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            if "Handler" not in raw_props:
                continue  # e.g. APIHandler: only properties merged into Chalice's function
            _add_function(model, resolver, logical_id, raw_props, globals_fn)
        elif kind == "AWS::KMS::Alias":
            model.kms_aliases[logical_id] = resolver.name_of(logical_id)
        elif kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            model.state_machines[logical_id] = _state_machine(resolver, logical_id, raw_props, project_root)
    model.websocket_apis = _websocket_apis(resolver)
    return model


def _sub_references(node: Any) -> list[str]:
    """The ``${Name}`` / ``${Name.Attribute}`` references of a ``Fn::Sub`` string (or a Ref)."""
    if isinstance(node, dict) and "Fn::Sub" in node:
        text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
        return [m.group(1) for m in _SUB_VAR.finditer(text)]
    if isinstance(node, dict) and "Ref" in node:
        return [str(node["Ref"])]
    return []


def _websocket_apis(resolver: Resolver) -> dict[str, WebSocketApiSpec]:
    """WebSocket APIs with their routes: Route -> ``integrations/${Integration}`` -> the function whose
    ARN its IntegrationUri names (a Lambda proxy integration), and the stage's name."""
    by_type: dict[str, dict[str, dict[str, Any]]] = {}
    for logical_id, resource in resolver.resources.items():
        by_type.setdefault(resource.get("Type", ""), {})[logical_id] = resource.get("Properties", {})
    integrations: dict[str, str] = {}
    for logical_id, props in by_type.get("AWS::ApiGatewayV2::Integration", {}).items():
        names = [r.split(".", 1)[0] for r in _sub_references(props.get("IntegrationUri")) if r.endswith(".Arn")]
        if names:
            integrations[logical_id] = names[0]
    apis: dict[str, WebSocketApiSpec] = {}
    for logical_id, props in by_type.get("AWS::ApiGatewayV2::Api", {}).items():
        if props.get("ProtocolType") != "WEBSOCKET":
            continue
        routes = {}
        for route in by_type.get("AWS::ApiGatewayV2::Route", {}).values():
            if source_logical_id(route["ApiId"]) != logical_id:
                continue
            targets = [r for r in _sub_references(route.get("Target")) if r in integrations]
            if targets:
                routes[str(route["RouteKey"])] = integrations[targets[0]]
        stages = [
            str(resolver.resolve(stage["StageName"]))
            for stage in by_type.get("AWS::ApiGatewayV2::Stage", {}).values()
            if source_logical_id(stage["ApiId"]) == logical_id
        ]
        apis[logical_id] = WebSocketApiSpec(
            logical_id=logical_id,
            name=str(resolver.resolve(props.get("Name", logical_id))),
            stage_name=stages[0] if stages else resolver.parameters.get("Stage", "local"),
            route_selection_expression=str(props.get("RouteSelectionExpression", "$request.body.action")),
            routes=routes,
        )
    return apis


def _target_logical_id(target: dict[str, Any]) -> str | None:
    try:
        return source_logical_id(target.get("Arn"))
    except ValueError:
        return None


def _add_function(
    model: StackModel,
    resolver: Resolver,
    logical_id: str,
    raw_props: dict[str, Any],
    globals_fn: dict[str, Any],
) -> None:
    props = resolver.resolve({k: v for k, v in raw_props.items() if k != "Events"})
    env = dict(model.global_environment)
    env.update({k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()})
    model.functions[logical_id] = FunctionSpec(
        logical_id=logical_id,
        name=resolver.name_of(logical_id),
        handler=props["Handler"],
        runtime=props.get("Runtime", globals_fn.get("Runtime", "python3.11")),
        timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
        memory_size=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
        environment=env,
    )
    for event_id, event in raw_props.get("Events", {}).items():
        kind = event.get("Type")
        ev_raw = event.get("Properties", {})
        ev = resolver.resolve(ev_raw)
        report = "ReportBatchItemFailures" in ev.get("FunctionResponseTypes", [])
        if kind == "DynamoDB":
            on_failure = ev_raw.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            model.stream_mappings.append(
                StreamMapping(
                    function_id=logical_id,
                    event_id=event_id,
                    table_id=source_logical_id(ev_raw["Stream"]),
                    batch_size=int(ev.get("BatchSize", 100)),
                    starting_position=ev.get("StartingPosition", "TRIM_HORIZON"),
                    maximum_retry_attempts=int(ev.get("MaximumRetryAttempts", -1)),
                    bisect_on_error=bool(ev.get("BisectBatchOnFunctionError", False)),
                    report_batch_item_failures=report,
                    filter_patterns=tuple(f["Pattern"] for f in ev.get("FilterCriteria", {}).get("Filters", [])),
                    on_failure_queue_id=source_logical_id(on_failure) if on_failure else None,
                )
            )
        elif kind == "SQS":
            model.queue_mappings.append(
                QueueMapping(
                    function_id=logical_id,
                    event_id=event_id,
                    queue_id=source_logical_id(ev_raw["Queue"]),
                    batch_size=int(ev.get("BatchSize", 10)),
                    report_batch_item_failures=report,
                )
            )
        elif kind in ("Schedule", "ScheduleV2"):
            model.schedules.append(
                ScheduleSpec(
                    function_id=logical_id,
                    event_id=event_id,
                    # SAM names the generated rule <Function><Event> unless Name is given.
                    rule_name=ev.get("Name", f"{logical_id}{event_id}"),
                    expression=ev.get("Schedule") or ev["ScheduleExpression"],
                    input=ev.get("Input"),
                    enabled=ev.get("Enabled", True) and ev.get("State", "ENABLED") != "DISABLED",
                )
            )


def _state_machine(
    resolver: Resolver, logical_id: str, raw_props: dict[str, Any], project_root: Path
) -> StateMachineSpec:
    props = resolver.resolve({k: v for k, v in raw_props.items() if k not in ("Events", "Definition")})
    if "DefinitionUri" in props or "DefinitionS3Location" in props:
        uri = props.get("DefinitionUri") or props["DefinitionS3Location"]
        if not isinstance(uri, str):
            raise ValueError(f"{logical_id}: only a local DefinitionUri path is supported locally")
        text = (project_root / uri).read_text()
    elif "Definition" in raw_props:
        # An inline definition is data, not intrinsics (SAM does not resolve inside it either).
        text = json.dumps(raw_props["Definition"])
    else:
        text = props["DefinitionString"]
    substitutions = props.get("DefinitionSubstitutions", {})
    text = re.sub(r"\$\{([^}]+)\}", lambda m: str(substitutions.get(m.group(1), m.group(0))), text)
    return StateMachineSpec(
        logical_id=logical_id,
        name=resolver.name_of(logical_id),
        definition=text,
        type=props.get("Type", props.get("StateMachineType", "STANDARD")),
    )
