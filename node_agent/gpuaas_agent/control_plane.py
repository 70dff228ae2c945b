"""The control plane's HTTPS API, as the agent calls it, with retries.

Unreachable, timed out or 5xx: retried with exponential backoff and full jitter
(``uniform(0, min(cap, base * 2**attempt))``). 429: retried after ``Retry-After`` when the server gives it.
Any other 4xx is the answer and is raised as ``ApiError`` at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import requests

from gpuaas_agent import __version__
from gpuaas_agent.logs import log

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


class ApiError(Exception):
    """The control plane answered with a 4xx (or kept answering 5xx), or a 2xx that is not a JSON object."""

    def __init__(self, status: int, body: Any) -> None:
        code = body.get("code") if isinstance(body, dict) else None
        super().__init__(f"HTTP {status}{f' {code}' if code else ''}")
        self.status = status
        self.body = body
        self.code = code


class Unreachable(Exception):
    """The control plane could not be reached (or kept failing) within the retry budget."""


class Backoff:
    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def delay(self, attempt: int) -> float:
        """Full jitter: a uniform draw below the capped exponential ceiling for ``attempt`` (0-based)."""
        return self.rng.uniform(0, min(self.cap, self.base * (2**attempt)))


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP-date: fall back to backoff


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"text": response.text[:500]}


class ControlPlane:
    def __init__(
        self,
        api_url: str,
        session: requests.Session | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], object] = time.sleep,
        max_attempts: int = 8,
        timeout: float = 15.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"gpuaas-agent/{__version__}"
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.node_token: str | None = None

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = {"Accept": "application/json"}
        if auth:
            if not self.node_token:
                raise RuntimeError("no node token: register first")
            headers["Authorization"] = f"Bearer {self.node_token}"
        url = f"{self.api_url}{path}"
        last: str = ""
        for attempt in range(self.max_attempts):
            wait: float | None = None
            try:
                response = self.session.request(method, url, json=body, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return _body(response) if response.content else {}
                if response.status_code == 429:
                    wait = _retry_after(response)
                    last = "HTTP 429"
                elif response.status_code in RETRYABLE_STATUS:
                    last = f"HTTP {response.status_code}"
                else:
                    raise ApiError(response.status_code, _body(response))
            if attempt + 1 == self.max_attempts:
                break
            delay = wait if wait is not None else self.backoff.delay(attempt)
            log(logger, "control_plane_retry", logging.WARNING, path=path, attempt=attempt + 1, error=last,
                delay_s=round(delay, 3))  # fmt: skip
            self.sleep(delay)
        raise Unreachable(f"{method} {path}: {last} after {self.max_attempts} attempts")

    # The protocol's calls --------------------------------------------------------------------------------

    def _object(self, method: str, path: str, body: Any = None, auth: bool = True) -> dict[str, Any]:
        reply = self.request(method, path, body, auth=auth)
        if not isinstance(reply, dict):
            raise ApiError(200, {"code": "NOT_AN_OBJECT", "message": f"{path} answered {type(reply).__name__}"})
        return reply

    def register(self, document: dict[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/v1/agent/register", document, auth=False)

    def credentials(self) -> dict[str, Any]:
        return self._object("POST", "/v1/agent/credentials")

    def heartbeat(self, document: dict[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/v1/agent/heartbeat", document)

    def ship_logs(self, document: dict[str, Any]) -> dict[str, Any]:
        """One batch of log lines (``logs.request.v1``); the answer is ``logs.response.v1``."""
        return self._object("POST", "/v1/agent/logs", document)

    def report_result(self, command_id: str, document: dict[str, Any]) -> bool:
        """True when the control plane has the result: accepted now (2xx) or already (409)."""
        try:
            self.request("POST", f"/v1/agent/commands/{command_id}/result", document)
        except ApiError as exc:
            if exc.status == 409:
                return True
            raise
        return True
