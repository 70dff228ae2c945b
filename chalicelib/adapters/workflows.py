"""The provisioning and release workflows on Step Functions: start them, resume their tasks."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings

# What Step Functions answers for a token whose task no longer waits: it timed out, its execution
# ended, or it was already resumed.
_GONE = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


class StepFunctionsWorkflows:
    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("stepfunctions", region_name=get_settings().region)

    def start(self, workflow: str, name: str, payload: dict[str, Any]) -> None:
        arn = f"{get_settings().state_machine_arn_prefix}{workflow}"
        try:
            self._client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))
        except self._client.exceptions.ExecutionAlreadyExists:
            return  # started before, by a retry of the same request: once per name is the point

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        return self._call(self._client.send_task_success, taskToken=task_token, output=json.dumps(output))

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        return self._call(self._client.send_task_failure, taskToken=task_token, error=error, cause=cause[:32768])

    def heartbeat(self, task_token: str) -> bool:
        return self._call(self._client.send_task_heartbeat, taskToken=task_token)

    @staticmethod
    def _call(method: Any, **kwargs: Any) -> bool:
        from botocore.exceptions import ClientError

        try:
            method(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _GONE:
                return False
            raise
        return True
