"""LocalCloud: infra/template.yaml realised on an in-process moto server, plus what AWS would run.

    with LocalCloud(api_port=0, pollers="manual") as cloud:
        requests.post(f"{cloud.api_url}/v1/...")
        cloud.drain()          # stream -> relay -> bus -> queues -> consumers, until quiet
        cloud.reset()          # empty every table/queue, resources stay

``pollers="background"`` (``make run``) runs every poller and the scheduler in threads;
``pollers="manual"`` (tests) runs them only inside ``drain()``, so a test decides when events flow
and never sleeps.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import logging
import os
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from localcloud.bootstrap import Resources, bootstrap
from localcloud.lambda_runtime import FunctionError, Handler, LambdaRuntime
from localcloud.template import ACCOUNT_ID, PROJECT_ROOT, StackModel, build_model

log = logging.getLogger("localcloud")
PollerMode = Literal["background", "manual"]
Backend = Literal["moto", "localstack"]
_DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DrainTimeout(TimeoutError):
    pass


class LocalCloud:
    def __init__(
        self,
        *,
        stage: str = "local",
        region: str = "us-east-1",
        api_port: int | None = 8000,
        ws_port: int | None = None,
        moto_port: int = 0,
        backend: Backend = "moto",
        pollers: PollerMode = "background",
        retry_failed_after: int | None = None,
        poll_interval: float = 0.2,
        project_root: Path = PROJECT_ROOT,
        template_path: Path | None = None,
        quiet: bool = True,
    ) -> None:
        """``api_port=None`` serves no HTTP API; ``0`` picks a free port. ``ws_port`` is the port of the
        template's WebSocket API (the terminal gateway): by default a free one when ``api_port`` is 0,
        none when it is None, else ``GPUAAS_WS_PORT`` (8001); its management API takes a free port.
        ``retry_failed_after`` (tests only) makes failed SQS messages visible again after that many
        seconds instead of the queue's VisibilityTimeout."""
        self.stage = stage
        self.region = region
        self.backend = backend
        self.pollers_mode = pollers
        self.project_root = project_root
        self._api_port = api_port
        if ws_port is None and api_port is not None:
            ws_port = 0 if api_port == 0 else int(os.environ.get("GPUAAS_WS_PORT") or 8001)
        self._ws_port = ws_port
        self._moto_port = moto_port
        self._retry_failed_after = retry_failed_after
        self._poll_interval = poll_interval
        self._quiet = quiet
        self.model: StackModel = build_model(
            stage=stage,
            region=region,
            project_root=project_root,
            template_path=template_path or project_root / "infra" / "template.yaml",
        )
        self.runtime = LambdaRuntime(self.model)
        self.resources: Resources | None = None
        self.endpoint_url = ""
        self.api_url = ""
        self.startup_seconds = 0.0
        self._moto_server: Any = None
        self._api: Any = None
        # The template's WebSocket APIs by logical id (localcloud.websocket_api.WebSocketApi).
        self.websocket_apis: dict[str, Any] = {}
        self._clients: dict[str, Any] = {}
        self._client_factory: Callable[[str], Any] | None = None
        self._stream_pollers: list[Any] = []
        self._queue_pollers: list[Any] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        # Held by every poll step and by reset(): reset never races a poller mid-batch.
        self._poll_lock = threading.RLock()
        self._saved_env: dict[str, str | None] = {}

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> LocalCloud:
        started = time.monotonic()
        if self._quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        if self.backend == "moto":
            self._start_moto()
        else:
            self._connect_localstack()
        api_server = None
        if self._api_port is not None:
            from localcloud.api_server import ApiServer

            api_server = ApiServer(self.project_root, self.stage, port=self._api_port)
            self.api_url = api_server.url
        self._build_websocket_apis()
        self._apply_environment()
        self.resources = bootstrap(self.client, self.model)
        self._build_pollers()
        if self.backend == "moto":
            from localcloud import moto_patches

            moto_patches.set_lambda_runtime(self.runtime)
        for websocket_api in self.websocket_apis.values():
            websocket_api.start()
        if api_server is not None:
            api_server.attach(self._load_app())
            api_server.start()
            self._api = api_server
        if self.pollers_mode == "background":
            self._start_threads()
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._api is not None:
            self._api.stop()
            self._api = None
        # Before moto: each connection's $disconnect still reaches the table.
        for websocket_api in self.websocket_apis.values():
            websocket_api.stop()
        self.websocket_apis.clear()
        if self._moto_server is not None:
            from localcloud import moto_patches

            moto_patches.set_lambda_runtime(None)
            self._moto_server.stop()
            self._moto_server = None
        self._restore_environment()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        from localcloud import moto_patches

        moto_patches.install()
        port = self._moto_port or _free_port()
        # moto's Step Functions interpreter calls other services at localhost:$MOTO_PORT.
        self._set_env("MOTO_PORT", str(port))
        self._moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._moto_server.start()
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self._moto_api("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        self._client_factory = self._boto_client

    def _connect_localstack(self) -> None:
        from localstack_client.session import Session

        session = Session(region_name=self.region)
        self.endpoint_url = session._service_endpoint_mapping.get("dynamodb", "http://localhost:4566")
        self._client_factory = session.client

    def _moto_api(self, path: str, body: dict[str, Any] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(f"{self.endpoint_url}{path}", data=data, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our local server
            response.read()

    def _boto_client(self, service: str) -> Any:
        import boto3

        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - dummy credentials for the local server
        )

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` pointed at the local cloud (cached, thread-safe)."""
        if service not in self._clients:
            assert self._client_factory is not None, "start() the cloud first"
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    # -- environment ------------------------------------------------------------------------------
    def _set_env(self, name: str, value: str) -> None:
        if name not in self._saved_env:
            self._saved_env[name] = os.environ.get(name)
        os.environ[name] = value

    def _unset_env(self, name: str) -> None:
        if name in os.environ:
            self._saved_env.setdefault(name, os.environ[name])
            del os.environ[name]

    def _restore_environment(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        self._clear_settings_cache()

    def environment(self) -> dict[str, str]:
        """The variables a Lambda of this stack sees: the template's Globals, then Chalice's stage config."""
        env = dict(self.model.global_environment)
        env.update(self._chalice_stage_environment())
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                # botocore would send DynamoDB Streams calls to an account-specific host moto does not serve.
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                **_DUMMY_CREDENTIALS,
            }
        )
        env.update(self._websocket_environment())
        if self.stage == "local" and self.api_url:
            env.update(
                {
                    "GPUAAS_OIDC_ISSUER": f"{self.api_url}/v1/dev",
                    "GPUAAS_OIDC_JWKS_URL": f"{self.api_url}/v1/dev/.well-known/jwks.json",
                    "GPUAAS_OIDC_AUDIENCE": "gpuaas",
                }
            )
        return env

    @property
    def ws_url(self) -> str:
        """The terminal gateway's WebSocket URL (the template's one WebSocket API), '' when none runs."""
        return next((api.url for api in self.websocket_apis.values()), "")

    def _build_websocket_apis(self) -> None:
        if self._ws_port is None:
            return
        from localcloud.websocket_api import WebSocketApi

        for index, (logical_id, spec) in enumerate(self.model.websocket_apis.items()):
            self.websocket_apis[logical_id] = WebSocketApi(
                spec,
                self.runtime,
                region=self.region,
                api_id=self.model.physical_ids.get(logical_id, logical_id),
                port=self._ws_port + index if self._ws_port else 0,
            )

    def _websocket_environment(self) -> dict[str, str]:
        """The functions' variables that name a WebSocket API's AWS endpoints, pointed at the local
        server instead: ``wss://{api}.execute-api...`` -> its ws:// URL, ``https://`` -> its
        management API. The names and values come from the template."""
        found: dict[str, str] = {}
        for logical_id, api in self.websocket_apis.items():
            host = f"{self.model.physical_ids.get(logical_id, logical_id)}.execute-api.{self.region}.amazonaws.com"
            stage = api.spec.stage_name
            local = {f"wss://{host}/{stage}": api.url, f"https://{host}/{stage}": api.management_url}
            for function in self.model.functions.values():
                for name, value in function.environment.items():
                    if value in local:
                        found[name] = local[value]
        return found

    def _chalice_stage_environment(self) -> dict[str, str]:
        path = self.project_root / ".chalice" / "config.json"
        if not path.exists():
            return {}
        config = json.loads(path.read_text())
        env = dict(config.get("environment_variables", {}))
        env.update(config.get("stages", {}).get(self.stage, {}).get("environment_variables", {}))
        return {k: str(v) for k, v in env.items()}

    def _apply_environment(self) -> None:
        for name, value in self.environment().items():
            self._set_env(name, value)
        # A developer's real profile or session token must not leak into calls to the local server.
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
            self._unset_env(name)
        if self.stage == "local":
            self._set_env("GPUAAS_DEV_ISSUER_PRIVATE_KEY", _dev_issuer_key())
            # On AWS the platform's session-signing key is a secret the operator provisions
            # (doc/deploy.md); locally each run makes its own.
            self._set_env("GPUAAS_SESSION_SIGNING_KEY", _session_signing_key())
            self._set_env("GPUAAS_STRIPE_WEBHOOK_SECRET", "whsec_local_" + os.urandom(24).hex())
            self._set_env("GPUAAS_PAYMENT_STAND_IN", "localcloud.local_stripe")
            # Local receivers (the e2e tests', a developer's) listen on plain http on loopback; the
            # template's stages never set this, and settings ignore it off the local stage.
            self._set_env("GPUAAS_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true")
        self._clear_settings_cache()

    @staticmethod
    def _clear_settings_cache() -> None:
        module = sys.modules.get("chalicelib.core.settings")
        if module is None and importlib.util.find_spec("chalicelib") is not None:
            with contextlib.suppress(ImportError):
                module = importlib.import_module("chalicelib.core.settings")
        if module is not None and hasattr(module, "get_settings"):
            module.get_settings.cache_clear()

    def _load_app(self) -> Any:
        root = str(self.project_root)
        if root not in sys.path:
            sys.path.insert(0, root)
        if importlib.util.find_spec("app") is None:
            from chalice.app import Chalice

            log.warning("no app.py in %s: serving an empty API", root)
            return Chalice(app_name="gpuaas-placeholder")
        return importlib.import_module("app").app

    # -- pollers ----------------------------------------------------------------------------------
    def _build_pollers(self) -> None:
        from localcloud.sqs_poller import QueuePoller
        from localcloud.stream_poller import StreamPoller

        assert self.resources is not None
        res = self.resources
        self._stream_pollers = [
            StreamPoller(
                mapping,
                res.stream_arns[mapping.table_id],
                self.region,
                self.client("dynamodbstreams"),
                self.client("sqs"),
                self.runtime,
                res.queue_urls.get(mapping.on_failure_queue_id) if mapping.on_failure_queue_id else None,
            )
            for mapping in self.model.stream_mappings
        ]
        self._queue_pollers = [
            QueuePoller(
                mapping,
                res.queue_urls[mapping.queue_id],
                res.queue_arns[mapping.queue_id],
                self.region,
                self.client("sqs"),
                self.runtime,
                self._retry_failed_after,
            )
            for mapping in self.model.queue_mappings
        ]

    def _start_threads(self) -> None:
        from localcloud.scheduler import SchedulerThread

        for poller in [*self._stream_pollers, *self._queue_pollers]:
            thread = threading.Thread(
                target=self._poll_loop, args=(poller,), name=f"poller-{poller.mapping.function_id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        if self.model.schedules:
            scheduler = SchedulerThread(self.model.schedules, self._fire_schedule, self._stop)
            scheduler.start()
            self._threads.append(scheduler)

    def _poll_loop(self, poller: Any) -> None:
        while not self._stop.is_set():
            try:
                with self._poll_lock:
                    count = poller.poll_once()
            except Exception:  # the loop must survive a poller error (e.g. during reset)
                log.exception("poller %s failed", poller.mapping.function_id)
                count = 0
            # Back off when idle; after a failed batch too, so that a retry does not spin.
            if count == 0 or poller.last_failed:
                self._stop.wait(self._poll_interval)

    def _current_pollers(self) -> list[Any]:
        return [*self._stream_pollers, *self._queue_pollers]

    # -- test controls ----------------------------------------------------------------------------
    def drain(self, timeout: float = 10.0) -> int:
        """Run every stream and queue mapping until nothing is left to deliver. Returns batches run.

        Quiet means: no stream record unprocessed, and no mapped queue with a visible message or an
        in-flight one that becomes visible before ``timeout`` (moto only; then it waits for it).
        """
        deadline = time.monotonic() + timeout
        batches = 0
        while True:
            if time.monotonic() > deadline:
                raise DrainTimeout(f"local cloud not quiet after {timeout}s")
            progressed = 0
            for poller in self._current_pollers():
                with self._poll_lock:
                    read = poller.poll_once()
                if read:
                    batches += 1
                    progressed += read
            if progressed:
                continue
            with self._poll_lock:
                if any(p.pending() for p in self._stream_pollers):
                    continue
                waits = [self._next_visible_in(p.queue_url) for p in self._queue_pollers]
            soon = [w for w in waits if w is not None and time.monotonic() + w < deadline]
            if any(w == 0 for w in waits if w is not None) or not soon:
                if any(w == 0 for w in waits if w is not None):
                    continue
                return batches
            self._stop.wait(min(soon))

    def _next_visible_in(self, queue_url: str) -> float | None:
        """Seconds until the next message of the queue is visible (0 = now), None when empty."""
        if self.backend != "moto":
            visible, _in_flight = next(p for p in self._queue_pollers if p.queue_url == queue_url).counts()
            return 0 if visible else None
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[ACCOUNT_ID][self.region].queues.get(queue_url.rsplit("/", 1)[-1])
        if queue is None:
            return None
        now_ms = time.time() * 1000
        waits = [max(0.0, (m.visible_at - now_ms) / 1000) for m in list(queue._messages)]
        return min(waits) if waits else None

    def reset(self) -> float:
        """Wipe all data (every table, queue, bus, execution); resources stay usable. Returns seconds."""
        started = time.monotonic()
        with self._poll_lock:
            for websocket_api in self.websocket_apis.values():
                websocket_api.close_all()
            if self.backend == "moto":
                self._moto_api("/moto-api/reset")
                self.resources = bootstrap(self.client, self.model)
            else:
                self._wipe_data()
            self._build_pollers()
            self.runtime.clear_overrides()
        return time.monotonic() - started

    def _wipe_data(self) -> None:
        """LocalStack: delete items and purge queues (its reset is not scoped to one stack)."""
        assert self.resources is not None
        ddb = self.client("dynamodb")
        for table in self.resources.tables.values():
            keys = [k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]
            for page in ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=",".join(keys)):
                for item in page["Items"]:
                    ddb.delete_item(TableName=table, Key={k: item[k] for k in keys})
        for url in self.resources.queue_urls.values():
            self.client("sqs").purge_queue(QueueUrl=url)

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a template function in-process (raises FunctionError if the handler raises)."""
        return self.runtime.invoke(logical_id, event)

    def override_handler(self, logical_id: str, handler: Handler) -> contextlib.AbstractContextManager[None]:
        """Run ``handler`` in place of the function's own (until the block ends or the next reset)."""
        return self.runtime.override(logical_id, handler)

    def set_handler(self, logical_id: str, handler: Handler | None) -> None:
        """Like override_handler without a block; None restores the template's handler."""
        self.runtime.set_override(logical_id, handler)

    def run_schedule(self, name: str) -> Any:
        """Fire a schedule now: ``name`` is the function's logical id, the event id or the rule name."""
        for schedule in self.model.schedules:
            if name in (schedule.function_id, schedule.event_id, schedule.rule_name):
                return self._fire_schedule(schedule)
        raise KeyError(f"no schedule {name!r} in the template")

    def _fire_schedule(self, schedule: Any) -> Any:
        from localcloud.scheduler import scheduled_event

        rule_arn = f"arn:aws:events:{self.region}:{ACCOUNT_ID}:rule/{schedule.rule_name}"
        event = json.loads(schedule.input) if schedule.input else scheduled_event(rule_arn, self.region, ACCOUNT_ID)
        return self.runtime.invoke(schedule.function_id, event)

    def start_execution(self, logical_id: str, payload: Any, name: str | None = None) -> str:
        """Start a state machine of the template; returns the execution ARN."""
        import uuid

        assert self.resources is not None
        started = self.client("stepfunctions").start_execution(
            stateMachineArn=self.resources.state_machines[logical_id],
            name=name or f"local-{uuid.uuid4()}",
            input=json.dumps(payload),
        )
        return str(started["executionArn"])

    def wait_execution(self, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
        """Poll an execution until it leaves RUNNING (moto runs it in a background thread)."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if description["status"] != "RUNNING" or time.monotonic() > deadline:
                return description
            self._stop.wait(0.01)


def _dev_issuer_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _session_signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@contextlib.contextmanager
def running_cloud(**kwargs: Any) -> Iterator[LocalCloud]:
    cloud = LocalCloud(**kwargs).start()
    try:
        yield cloud
    finally:
        cloud.stop()


__all__ = ["DrainTimeout", "FunctionError", "LocalCloud", "running_cloud"]
