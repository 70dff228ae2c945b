"""The client's unit tests mock HTTP with ``responses``, which intercepts ``requests``; the SDK sends with
httpx. Here httpx's transport hands each request to ``requests`` (so to ``responses``' mock) and turns
the answer back into an ``httpx.Response``; everything above the socket (headers, bodies, retries,
refresh, error mapping) is the SDK's own. Tests written against httpx directly use
``httpx.MockTransport`` instead and need none of this."""

from __future__ import annotations

import httpx
import pytest
import requests
import responses
from gpuaas_client.credentials import CredentialStore

# The API the mocked-HTTP tests talk to.
BASE = "http://api.test"

# Headers that describe requests' own decoding of the body, which httpx must not redo.
_HOP = {"content-encoding", "transfer-encoding", "content-length", "connection"}


def _through_requests(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    session = requests.Session()
    try:
        answer = session.request(
            request.method,
            str(request.url),
            headers={k.decode(): v.decode() for k, v in request.headers.raw},  # as spelled
            data=request.read() or None,
            allow_redirects=False,
            timeout=30,
        )
    except requests.Timeout as exc:
        raise httpx.TimeoutException(str(exc), request=request) from exc
    except requests.RequestException as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP]
    return httpx.Response(answer.status_code, headers=headers, content=answer.content, request=request)


@pytest.fixture(autouse=True)
def _httpx_over_requests(monkeypatch):
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", _through_requests)


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def config(tmp_path, monkeypatch) -> CredentialStore:
    """A fresh config directory, the API at ``BASE``, no API key from the environment."""
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "gpuaas"))
    monkeypatch.setenv("GPUAAS_API_URL", BASE)
    monkeypatch.delenv("GPUAAS_API_KEY", raising=False)
    return CredentialStore()
