"""The terminal gateway on the local cloud: an active allocation on a scripted host, tickets, and a
test-side stand-in for the agent's side of a session (it dials with the node credential and echoes)."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.e2e.fleet_helpers import ScriptedHost, customer_with_key, scripted_host
from tests.e2e.helpers import ApiClient, sku_body


class TerminalRig:
    """A SKU, an OS image, a scripted host and a customer with an SSH key."""

    def __init__(self, api: ApiClient, cloud: Any, name: str) -> None:
        self.api, self.cloud = api, cloud
        self.sku = api.post("/v1/admin/skus", json=sku_body(name=f"{name}-sku")).json()
        image = {"name": f"{name}-img", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12"}
        self.image = api.post("/v1/admin/os-images", json=image).json()
        self.host = scripted_host(api, self.sku, f"{name}-01.fleet", gpus=8)
        self.customer = customer_with_key(api, name)

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.api.request(method, path, role=None, headers=headers or self.customer, **kwargs)

    def rent(self) -> dict[str, Any]:
        headers = {**self.customer, "Idempotency-Key": str(uuid.uuid4())}
        body = {"sku_id": self.sku["id"], "os_image_id": self.image["id"]}
        r = self.api.request("POST", "/v1/allocations", role=None, headers=headers, json=body)
        assert r.status_code == 202, r.text
        [command] = self.host.commands()
        assert self.host.provisioned(command).status_code == 200
        return self.wait(r.json()["id"], "active")

    def wait(self, allocation_id: str, state: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            allocation = self.call("GET", f"/v1/allocations/{allocation_id}").json()
            if allocation["state"] == state or time.monotonic() > deadline:
                assert allocation["state"] == state, allocation
                return allocation
            time.sleep(0.05)

    def ticket(self, allocation_id: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
        return self.call("POST", f"/v1/allocations/{allocation_id}/terminal", headers=headers, json=body)

    def client(self, issued: dict[str, Any]) -> ClientConnection:
        """The customer's side, connected with the ticket (raises InvalidStatus when refused)."""
        return connect(f"{issued['url']}?ticket={issued['ticket']}", open_timeout=10, close_timeout=2)

    def open_terminal_command(self) -> dict[str, Any]:
        [command] = self.host.commands()
        assert command["type"] == "open_terminal", command
        return command


class EchoAgent:
    """Stands in for the node agent's terminal side in tests: dials the URL of an ``open_terminal``
    command with the node credential, echoes every ``data`` frame back and keeps what it received."""

    def __init__(self, url: str, session_id: str, node_token: str) -> None:
        self.url = f"{url}?session={session_id}&role=agent"
        self.node_token = node_token
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ws: ClientConnection | None = None
        self._thread: threading.Thread | None = None
        self._stack = contextlib.ExitStack()

    @classmethod
    def for_command(cls, command: dict[str, Any], host: ScriptedHost) -> EchoAgent:
        payload = command["payload"]
        return cls(payload["url"], payload["session_id"], host.node_token)

    def connect(self) -> EchoAgent:
        headers = {"Authorization": f"Bearer {self.node_token}"}
        self.ws = self._stack.enter_context(
            connect(self.url, additional_headers=headers, open_timeout=10, close_timeout=2)
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        assert self.ws is not None
        try:
            for message in self.ws:
                frame = json.loads(message)
                self.received.put(frame)
                if frame.get("type") == "data":
                    self.ws.send(json.dumps({"type": "data", "seq": frame["seq"], "data": frame["data"]}))
        except ConnectionClosed:
            pass

    def next(self, timeout: float = 5) -> dict[str, Any]:
        return self.received.get(timeout=timeout)

    def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        self.ws.send(json.dumps(frame))

    def close(self) -> None:
        self._stack.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code if self.ws is not None else None


def next_frame(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return frame
