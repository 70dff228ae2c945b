"""Run the template's Lambda handlers in this process, as Lambda would run them in their own.

Handlers are imported lazily (on first invoke), so the local cloud starts even while a worker module
is still being written. Tests can put another callable in place of a function's handler with
``override`` (the trigger, batch semantics and redrive stay the real ones).
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from localcloud.template import StackModel

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int, timeout_s: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionError(Exception):
    """A handler raised: Lambda reports this as a function error (the payload holds the details)."""

    def __init__(self, logical_id: str, cause: BaseException) -> None:
        super().__init__(f"{logical_id}: {type(cause).__name__}: {cause}")
        self.cause = cause


class LambdaRuntime:
    def __init__(self, model: StackModel) -> None:
        self._model = model
        self._overrides: dict[str, Handler] = {}
        self._cache: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._by_name = {spec.name: logical_id for logical_id, spec in model.functions.items()}

    def logical_id_for_name(self, function_name: str) -> str | None:
        name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
        return self._by_name.get(name)

    def handler_for(self, logical_id: str) -> Handler:
        if logical_id in self._overrides:
            return self._overrides[logical_id]
        with self._lock:
            if logical_id not in self._cache:
                module_name, _, attribute = self._model.functions[logical_id].handler.rpartition(".")
                self._cache[logical_id] = getattr(importlib.import_module(module_name), attribute)
            return self._cache[logical_id]

    def set_override(self, logical_id: str, handler: Handler | None) -> None:
        if logical_id not in self._model.functions:
            raise KeyError(f"no function {logical_id!r} in the template")
        if handler is None:
            self._overrides.pop(logical_id, None)
        else:
            self._overrides[logical_id] = handler

    @contextmanager
    def override(self, logical_id: str, handler: Handler) -> Iterator[None]:
        previous = self._overrides.get(logical_id)
        self.set_override(logical_id, handler)
        try:
            yield
        finally:
            self.set_override(logical_id, previous)

    def clear_overrides(self) -> None:
        self._overrides.clear()

    def context_for(self, logical_id: str) -> LambdaContext:
        spec = self._model.functions[logical_id]
        return LambdaContext(spec.name, self._model.arns[logical_id], spec.memory_size, spec.timeout)

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Call the handler; a raised exception becomes ``FunctionError`` (Lambda's function error)."""
        handler = self.handler_for(logical_id)
        try:
            return handler(event, self.context_for(logical_id))
        except Exception as exc:
            raise FunctionError(logical_id, exc) from exc

    def invoke_for_moto(self, function_name: str, event: Any) -> tuple[str, bool, str]:
        """The ``(payload_json, errored, logs)`` contract of moto's ``LambdaFunction._invoke_lambda``."""
        logical_id = self.logical_id_for_name(function_name)
        if logical_id is None:
            payload = {"errorMessage": f"no handler for {function_name}", "errorType": "ResourceNotFound"}
            return json.dumps(payload), True, ""
        if isinstance(event, str | bytes):
            event = json.loads(event) if event else {}
        try:
            result = self.invoke(logical_id, event)
        except FunctionError as exc:
            cause = exc.cause
            failure: dict[str, Any] = {
                "errorMessage": str(cause),
                "errorType": type(cause).__name__,
                "stackTrace": traceback.format_exception(cause),
            }
            return json.dumps(failure), True, "".join(traceback.format_exception(cause))
        return json.dumps(result, default=str), False, ""
