"""Task Lambda of the provisioning and release workflows (statemachines/*.asl.json).

Each state names its ``step``; the handler parses it and calls the one service method behind it.
Errors reach Step Functions under their class name (``InvalidAllocationState``, ...), which is
what the machines' ``Catch`` clauses match. Every step is safe to run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import logger, metrics
from chalicelib.provisioning.models import CommandRef, StepOutcome
from chalicelib.provisioning.service import ProvisioningService

Step = Callable[[ProvisioningService, dict[str, Any]], Any]


def _command(ref: CommandRef) -> dict[str, Any]:
    return {"command_id": ref.command_id}


def _outcome(outcome: StepOutcome) -> dict[str, Any]:
    out: dict[str, Any] = {"state": outcome.state}
    if outcome.reason is not None:
        out["reason"] = outcome.reason
    if outcome.wiped is not None:
        out["wiped"] = outcome.wiped
    return out


STEPS: dict[str, Step] = {
    "begin_provision": lambda s, e: _command(s.begin_provision(e["allocation_id"])),
    "send_command": lambda s, e: s.send_command(e["command_id"], e["task_token"]),
    "complete_provision": lambda s, e: _outcome(s.complete_provision(e["allocation_id"], e["command_id"])),
    "compensate": lambda s, e: _outcome(s.compensate(e["allocation_id"], e.get("error") or {})),
    "begin_release": lambda s, e: _command(s.begin_release(e["allocation_id"])),
    "finish_release": lambda s, e: _outcome(s.finish_release(e["allocation_id"], wiped=bool(e.get("wiped")))),
}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    step = event.get("step") if isinstance(event, dict) else None
    if step not in STEPS:
        raise ValueError(f"unknown workflow step {step!r}")
    logger.append_keys(step=step, allocation_id=event.get("allocation_id"), command_id=event.get("command_id"))
    result = STEPS[step](bootstrap.provisioning_service(), event)
    metrics.add_metric(name=f"WorkflowStep_{step}", unit="Count", value=1)
    return result if result is not None else {}
