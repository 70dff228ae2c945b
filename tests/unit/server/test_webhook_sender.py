"""The sender's guard with an injected resolver and a connection factory that records every call:
a refused destination never gets a connection made for it, and an allowed one is dialled at the
address the one lookup gave (chalicelib/adapters/webhook_http.py). No socket is opened here."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Sequence

import pytest

from chalicelib.adapters.webhook_http import PinnedHttpSender, WebhookDestinationPolicy
from chalicelib.core import errors
from chalicelib.webhooks.destinations import Destination
from chalicelib.webhooks.sending import CONNECT_FAILED, DNS_FAILED, UNSAFE_DESTINATION
from tests.unit.server.test_webhook_destinations import REFUSED

pytestmark = pytest.mark.unit


class Resolver:
    """Answers from a table, counting lookups; an unknown name does not resolve."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.lookups: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


class RefusingConnection(http.client.HTTPConnection):
    """Stands in for a connection; connecting fails as if nothing listened, so nothing is sent."""

    def connect(self) -> None:
        raise ConnectionRefusedError(111, "Connection refused")


class Connections:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, str]] = []

    def __call__(self, destination: Destination, address: str, timeout: float) -> http.client.HTTPConnection:
        self.calls.append((destination.scheme, destination.host, destination.port, address))
        return RefusingConnection(destination.host, destination.port, timeout=timeout)


def _sender(table: dict[str, Sequence[str]], *, local: bool = False) -> tuple[PinnedHttpSender, Resolver, Connections]:
    resolver, connections = Resolver(table), Connections()
    return (
        PinnedHttpSender(allow_loopback=local, resolver=resolver, connection_factory=connections),
        resolver,
        connections,
    )


def _post(sender: PinnedHttpSender, url: str) -> tuple[str | None, str | None, str | None]:
    outcome = sender.post(url, b"{}", {"content-type": "application/json"})
    assert outcome.status_code is None
    assert not outcome.succeeded
    return outcome.error, outcome.detail, outcome.address


@pytest.mark.parametrize(("address", "word"), REFUSED)
def test_a_name_resolving_to_any_refused_class_gets_no_connection(address: str, word: str) -> None:
    sender, resolver, connections = _sender({"hooks.example.com": [address]})
    error, detail, refused = _post(sender, "https://hooks.example.com/in")
    assert error == UNSAFE_DESTINATION
    assert detail is not None
    assert detail.startswith("hooks.example.com resolves to ")
    assert word.lower() in detail.lower()
    assert refused is not None
    assert resolver.lookups == [("hooks.example.com", 443)]
    assert connections.calls == []


@pytest.mark.parametrize(("address", "word"), REFUSED)
def test_a_refused_ip_literal_gets_neither_a_lookup_nor_a_connection(address: str, word: str) -> None:
    sender, resolver, connections = _sender({})
    host = f"[{address}]" if ":" in address else address
    error, detail, _ = _post(sender, f"https://{host}:8443/in")
    assert error == UNSAFE_DESTINATION
    assert detail is not None
    assert word.lower() in detail.lower()
    assert resolver.lookups == []
    assert connections.calls == []


def test_one_public_and_one_private_answer_refuses_the_name() -> None:
    sender, _, connections = _sender({"rebind.example.com": ["93.184.215.14", "10.0.0.7"]})
    error, detail, address = _post(sender, "https://rebind.example.com/")
    assert (error, detail, address) == (
        UNSAFE_DESTINATION,
        "rebind.example.com resolves to 10.0.0.7 is a private address",
        "10.0.0.7",
    )
    assert connections.calls == []


def test_an_ipv4_mapped_answer_is_refused() -> None:
    sender, _, connections = _sender({"mapped.example.com": ["::ffff:169.254.169.254"]})
    error, detail, _ = _post(sender, "https://mapped.example.com/")
    assert error == UNSAFE_DESTINATION
    assert detail is not None
    assert "IPv4-mapped" in detail
    assert "metadata" in detail
    assert connections.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",  # plain http in the cloud stage
        "http://127.0.0.1:9000/",  # even to loopback, without the local setting
        "https://example.com@10.0.0.1/",  # userinfo: most parsers send this to 10.0.0.1
        "https://hooks.example.com:443@169.254.169.254/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "https://2130706433/",
        "https://0177.0.0.1/",  # octal
        "https://0x7f000001/",  # hex
        "https://127.1/",  # inet_aton's short form
        "https://hooks.example.com\\@10.0.0.1/",
        "https://hooks.example.com/#x",
    ],
)
def test_urls_of_a_refused_form_get_neither_a_lookup_nor_a_connection(url: str) -> None:
    sender, resolver, connections = _sender({"hooks.example.com": ["93.184.215.14"], "example.com": ["93.184.215.14"]})
    error, _, _ = _post(sender, url)
    assert error == UNSAFE_DESTINATION
    assert resolver.lookups == []
    assert connections.calls == []


def test_the_local_setting_still_refuses_private_answers_and_plain_http_elsewhere() -> None:
    table: dict[str, Sequence[str]] = {"localhost": ["127.0.0.1", "10.0.0.7"], "hooks.example.com": ["93.184.215.14"]}
    sender, _, connections = _sender(table, local=True)
    assert _post(sender, "http://localhost:9000/")[0] == UNSAFE_DESTINATION
    assert _post(sender, "http://hooks.example.com/")[0] == UNSAFE_DESTINATION
    assert _post(sender, "http://10.0.0.7/")[0] == UNSAFE_DESTINATION
    assert connections.calls == []


def test_an_allowed_name_is_dialled_at_the_pinned_address_under_its_own_name() -> None:
    sender, resolver, connections = _sender(
        {"hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]}
    )
    outcome = sender.post("https://hooks.example.com:8443/in", b"{}", {})
    # One lookup; each connection names the original host and dials an address from that answer.
    assert resolver.lookups == [("hooks.example.com", 8443)]
    assert connections.calls == [
        ("https", "hooks.example.com", 8443, "93.184.215.14"),
        ("https", "hooks.example.com", 8443, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    ]
    assert outcome.error == CONNECT_FAILED
    assert outcome.status_code is None


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    sender, _, connections = _sender({})
    error, detail, _ = _post(sender, "https://nowhere.example.com/")
    assert error == DNS_FAILED
    assert detail is not None
    assert "nowhere.example.com does not resolve" in detail
    assert connections.calls == []


def test_the_policy_refuses_what_the_sender_refuses_with_the_same_reason() -> None:
    resolver = Resolver({"internal.example.com": ["10.0.0.7"], "hooks.example.com": ["93.184.215.14"]})
    policy = WebhookDestinationPolicy(resolver=resolver)
    policy.check("https://hooks.example.com/in")
    for url, message in [
        ("https://internal.example.com/", "internal.example.com resolves to 10.0.0.7 is a private address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud instance metadata address"),
        ("http://hooks.example.com/", "The webhook URL must use https"),
        ("https://nowhere.example.com/", "nowhere.example.com does not resolve"),
    ]:
        with pytest.raises(errors.InvalidWebhookUrlError) as caught:
            policy.check(url)
        assert caught.value.message.startswith(message), caught.value.message
        assert caught.value.code == "INVALID_WEBHOOK_URL"


def test_plain_http_to_loopback_is_a_local_stage_setting_only() -> None:
    from chalicelib.core.settings import load_settings

    on = {"GPUAAS_WEBHOOK_ALLOW_HTTP_LOOPBACK": "true"}
    assert load_settings({**on, "GPUAAS_STAGE": "local"}).webhook_allow_http_loopback is True
    assert load_settings({**on, "GPUAAS_STAGE": "prod"}).webhook_allow_http_loopback is False
    assert load_settings({"GPUAAS_STAGE": "local"}).webhook_allow_http_loopback is False
    defaults = load_settings({"GPUAAS_STAGE": "prod"})
    assert (defaults.webhook_timeout_seconds, defaults.webhook_response_max_bytes) == (15.0, 65536)


def test_a_lookup_that_never_answers_is_given_up_at_the_deadline() -> None:
    import threading
    import time

    never = threading.Event()

    def hanging(host: str, port: int) -> Sequence[str]:
        never.wait(10)
        return ["93.184.215.14"]

    connections = Connections()
    sender = PinnedHttpSender(timeout_seconds=0.2, resolver=hanging, connection_factory=connections)
    started = time.monotonic()
    outcome = sender.post("https://slow-dns.example.com/", b"{}", {})
    never.set()
    assert (outcome.error, outcome.detail) == (DNS_FAILED, "slow-dns.example.com did not resolve within 0.2 s")
    assert time.monotonic() - started < 2
    assert connections.calls == []


def test_the_local_hosts_table_answers_first_and_its_answers_still_pass_the_guard() -> None:
    from chalicelib.adapters.webhook_http import StaticHostsResolver
    from chalicelib.core.settings import load_settings

    table = '{"Private.Hooks.Test.": ["10.0.0.7"], "receiver.hooks.test": ["127.0.0.1"]}'
    local = load_settings({"GPUAAS_STAGE": "local", "GPUAAS_WEBHOOK_HOSTS": table})
    assert local.webhook_static_hosts == {"private.hooks.test": ("10.0.0.7",), "receiver.hooks.test": ("127.0.0.1",)}
    assert load_settings({"GPUAAS_STAGE": "prod", "GPUAAS_WEBHOOK_HOSTS": table}).webhook_static_hosts == {}

    fallback = Resolver({"hooks.example.com": ["93.184.215.14"]})
    resolver = StaticHostsResolver(local.webhook_static_hosts, fallback=fallback)
    assert resolver("receiver.hooks.test", 443) == ["127.0.0.1"]
    assert resolver("hooks.example.com", 443) == ["93.184.215.14"]
    connections = Connections()
    sender = PinnedHttpSender(allow_loopback=True, resolver=resolver, connection_factory=connections)
    outcome = sender.post("https://private.hooks.test/in", b"{}", {})
    assert (outcome.error, outcome.detail) == (
        UNSAFE_DESTINATION,
        "private.hooks.test resolves to 10.0.0.7 is a private address",
    )
    assert connections.calls == []


def test_the_bootstrap_builds_the_sender_and_policy_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    from chalicelib.core.settings import get_settings

    monkeypatch.setenv("GPUAAS_STAGE", "local")
    monkeypatch.setenv("GPUAAS_WEBHOOK_HOSTS", '{"private.hooks.test": ["10.0.0.7"]}')
    get_settings.cache_clear()
    bootstrap.reset()
    try:
        outcome = bootstrap.webhook_sender().post("https://private.hooks.test/", b"{}", {})
        assert outcome.error == UNSAFE_DESTINATION
        with pytest.raises(errors.InvalidWebhookUrlError, match=r"10\.0\.0\.7 is a private address"):
            bootstrap.webhook_destination_policy().check("https://private.hooks.test/")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        bootstrap.reset()


@pytest.mark.parametrize("headers", [{"x-a": "b\r\nHost: evil"}, {"x-a\n": "b"}, {"": "b"}, {"a:b": "c"}])
def test_a_header_that_cannot_be_sent_is_the_callers_error_raised_before_any_lookup(headers: dict[str, str]) -> None:
    sender, resolver, connections = _sender({"hooks.example.com": ["93.184.215.14"]})
    with pytest.raises(ValueError, match="cannot be sent"):
        sender.post("https://hooks.example.com/", b"{}", headers)
    assert resolver.lookups == []
    assert connections.calls == []
