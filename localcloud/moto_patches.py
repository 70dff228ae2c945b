"""The changes the local cloud makes to moto's in-process server.

1. moto's DynamoDB is not thread-safe: ``TransactWriteItems`` deep-copies the tables for rollback
   while other request threads write, which fails with HTTP 500 ("dictionary changed size during
   iteration"), and two conditional writes can both win. Real DynamoDB serialises conflicting writes,
   so serialising every DynamoDB request (one lock around ``DynamoHandler.call_action``) is faithful
   enough and measured to be correct (exact winners, exact ADD sums). DynamoDB Streams reads go
   through another handler and are not serialised; they only read appended records.
2. moto runs Lambda code only in Docker. Every invoke path (``lambda.invoke``, Step Functions Lambda
   tasks) goes through ``LambdaFunction._invoke_lambda(self, event)``; it is replaced by an in-process
   call of the handler named in the template.

3. moto's ``TransactWriteItems`` backs up (deep-copies) the whole table for its rollback once per
   *item* of the transaction: the same copy each time, as nothing is written while it backs up. A
   25-item transaction on a large table copied it 25 times; it is now copied once per transaction
   (same backup, same rollback, same results). Safe because DynamoDB requests are serialised (1).

All are installed once per process; ``set_lambda_runtime`` points the second at the current cloud.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

from localcloud.lambda_runtime import LambdaRuntime

DYNAMODB_LOCK = threading.RLock()
_installed = False
_install_lock = threading.Lock()
_runtime: LambdaRuntime | None = None


def set_lambda_runtime(runtime: LambdaRuntime | None) -> None:
    global _runtime
    _runtime = runtime


def install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        from moto.awslambda.models import LambdaFunction
        from moto.dynamodb.responses import DynamoHandler

        original_call_action = DynamoHandler.call_action

        @functools.wraps(original_call_action)
        def serialised_call_action(self: Any) -> Any:
            with DYNAMODB_LOCK:
                return original_call_action(self)

        DynamoHandler.call_action = serialised_call_action  # type: ignore[method-assign]  # the patch is the point

        def invoke_in_process(self: Any, event: str | None = None) -> tuple[str, bool, str]:
            if _runtime is None:
                return json.dumps({"errorMessage": "local cloud not running"}), True, ""
            return _runtime.invoke_for_moto(self.function_name, event)

        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign]  # the patch is the point
        _copy_tables_once_per_transaction()
        _installed = True


def _copy_tables_once_per_transaction() -> None:
    import copy
    import types

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(backend: models.DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        copies: dict[int, Any] = {}

        def deepcopy(obj: Any, memo: Any = None) -> Any:
            if memo is None and isinstance(obj, Table):
                if id(obj) not in copies:
                    copies[id(obj)] = copy.deepcopy(obj)
                return copies[id(obj)]
            return copy.deepcopy(obj, memo)

        # moto's module reads ``copy.deepcopy`` at call time; requests are serialised (DYNAMODB_LOCK).
        shim = types.ModuleType("copy")
        shim.deepcopy = deepcopy  # type: ignore[attr-defined]  # a module built here, with the one name moto reads
        models.copy = shim  # type: ignore[attr-defined]
        try:
            original(backend, transact_items)
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]  # the patch
