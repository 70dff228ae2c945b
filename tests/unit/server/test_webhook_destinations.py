"""The SSRF guard's pure half: which webhook URLs have an allowed form, and which addresses are
refused (chalicelib/webhooks/destinations.py). No resolver, no socket."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.core import errors
from chalicelib.webhooks.destinations import check_addresses, parse_destination, refusal_reason

pytestmark = pytest.mark.unit

# Every class of address the guard refuses, with a word its reason must contain.
REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.7", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "metadata"),
    ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("255.255.255.255", "broadcast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - an address refused, never bound
    ("0.1.2.3", "this network"),
    ("::", "unspecified"),
    ("fc00::1", "unique local"),
    ("fd00:ec2::254", "unique local"),  # the EC2 metadata service's IPv6 address
    ("::ffff:10.0.0.7", "IPv4-mapped"),
    ("::ffff:127.0.0.1", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "IPv4-mapped"),
    ("::ffff:8.8.8.8", "IPv4-mapped"),  # mapped forms are refused whatever they hold
    ("::10.0.0.7", "reserved"),  # IPv4-compatible (deprecated)
    ("2002:a00:7::1", "6to4"),  # 6to4 of 10.0.0.7
    ("2002:7f00:1::1", "6to4"),  # 6to4 of 127.0.0.1
    ("64:ff9b::a00:7", "NAT64"),  # NAT64 of 10.0.0.7
    ("64:ff9b::a9fe:a9fe", "NAT64"),  # NAT64 of 169.254.169.254
    ("64:ff9b:1::a00:7", "local-use NAT64"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fff8", "Teredo"),  # client 10.0.0.7, obfuscated
    ("192.0.2.10", "documentation"),
    ("198.51.100.1", "documentation"),
    ("203.0.113.5", "documentation"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.0.8", "IETF"),
    ("100::1", "discard"),
    ("fec0::1", "site-local"),
    ("4000::1", "global unicast"),
]

ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e"]
ALLOWED_EMBEDDED = ["64:ff9b::808:808", "2002:808:808::1"]  # NAT64 and 6to4 of a public 8.8.8.8


@pytest.mark.parametrize(("address", "word"), REFUSED)
def test_every_refused_address_class_says_why(address: str, word: str) -> None:
    reason = refusal_reason(address)
    assert reason is not None
    assert reason.startswith(f"{IPv6Address(address) if ':' in address else IPv4Address(address)} is ")
    assert word.lower() in reason.lower()


def test_the_reason_is_for_people() -> None:
    assert refusal_reason("10.0.0.7") == "10.0.0.7 is a private address"
    assert (
        refusal_reason("::ffff:10.0.0.7")
        == "::ffff:a00:7 is an IPv4-mapped IPv6 address of 10.0.0.7, a private address"
    )


@pytest.mark.parametrize("address", ALLOWED + ALLOWED_EMBEDDED)
def test_globally_routable_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None


def test_the_local_setting_lets_loopback_through_and_nothing_else() -> None:
    assert refusal_reason("127.0.0.1", allow_loopback=True) is None
    assert refusal_reason("::1", allow_loopback=True) is None
    for address in ("10.0.0.7", "169.254.169.254", "::ffff:127.0.0.1", "0.0.0.0", "fc00::1"):  # noqa: S104
        assert refusal_reason(address, allow_loopback=True) is not None, address


# -- URL form ----------------------------------------------------------------------------------


def _refused(url: str, *, local: bool = False) -> str:
    with pytest.raises(errors.InvalidWebhookUrlError) as caught:
        parse_destination(url, allow_http_loopback=local)
    assert caught.value.status == 422
    return caught.value.message


def test_a_plain_https_url_is_taken_apart() -> None:
    d = parse_destination("https://Hooks.Example.com:8443/in/gpuaas?x=1")
    assert (d.scheme, d.host, d.port, d.target, d.literal) == (
        "https",
        "hooks.example.com",
        8443,
        "/in/gpuaas?x=1",
        None,
    )
    assert parse_destination("https://hooks.example.com").target == "/"
    assert parse_destination("https://hooks.example.com.").host == "hooks.example.com"
    assert parse_destination("https://[2606:4700:4700::1111]/").literal == IPv6Address("2606:4700:4700::1111")


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.com/", "http://127.0.0.1:8080/", "ftp://hooks.example.com/", "file:///etc/passwd"],
)
def test_only_https_in_the_cloud_stage(url: str) -> None:
    assert "https" in _refused(url)


def test_plain_http_only_to_loopback_and_only_with_the_local_setting() -> None:
    assert parse_destination("http://127.0.0.1:8080/hook", allow_http_loopback=True).port == 8080
    assert parse_destination("http://localhost:8080/hook", allow_http_loopback=True).host == "localhost"
    assert parse_destination("http://[::1]:8080/", allow_http_loopback=True).literal == IPv6Address("::1")
    assert "https" in _refused("http://hooks.example.com/", local=True)
    assert "https" in _refused("http://10.0.0.7/", local=True)
    assert "localhost" in _refused("https://localhost/")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com@10.0.0.1/",
        "https://user:pass@hooks.example.com/",
        "https://hooks.example.com:443@169.254.169.254/",
        "https://@hooks.example.com/",
    ],
)
def test_userinfo_is_refused(url: str) -> None:
    assert "user name or password" in _refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "https://2130706433/",
        "https://0x7f000001/",
        "https://0177.0.0.1/",
        "https://127.1/",
        "https://0x7f.0.0.1/",
        "https://10.0.0.07/",
        "https://017700000001/",
    ],
)
def test_decimal_octal_and_hex_ip_forms_are_refused(url: str) -> None:
    message = _refused(url, local="http:" in url)
    assert "dotted-quad" in message or "https" in message


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("https://hooks.example.com/#frag", "fragment"),
        ("https://hooks.example.com/ path", "whitespace"),
        ("https://hooks.example.com/\tpath", "whitespace"),
        ("https://hooks.exa\nmple.com/", "whitespace"),
        ("https://hooks.example.com\\@10.0.0.1/", "backslash"),
        ("https://hööks.example.com/", "ASCII"),
        ("https://" + "a" * 2050 + ".com/", "longer"),
        ("https://hooks.example.com:0/", "port"),
        ("https://hooks.example.com:70000/", "port"),
        ("https://hooks.example.com:/", "empty port"),
        ("https:///path", "no host"),
        ("https://[10.0.0.1]/", "cannot be parsed"),
        ("https://[not:an:address]/", "cannot be parsed"),
        ("https://[fe80::1%25eth0]/", "zone"),
        ("https://metadata/", "fully qualified"),
        ("https://-bad-.example.com/", "valid host"),
        ("https://under score.example.com/", "whitespace"),
        ("", "empty"),
    ],
)
def test_malformed_urls_are_refused_with_a_reason(url: str, word: str) -> None:
    assert word.lower() in _refused(url).lower()


@pytest.mark.parametrize(("address", "word"), [(a, w) for a, w in REFUSED if a not in ("127.0.0.1", "::1")])
def test_ip_literals_in_the_url_are_refused_before_any_lookup(address: str, word: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(errors.InvalidWebhookUrlError) as caught:
        parse_destination(f"https://{host}/")
    assert word.lower() in caught.value.message.lower()
    assert caught.value.details == {"address": str(IPv6Address(address) if ":" in address else IPv4Address(address))}


# -- resolved addresses ------------------------------------------------------------------------


def test_one_refused_address_among_the_answers_refuses_the_name() -> None:
    d = parse_destination("https://hooks.example.com/")
    assert check_addresses(d, ["93.184.215.14", "2606:4700:4700::1111"]) == [
        IPv4Address("93.184.215.14"),
        IPv6Address("2606:4700:4700::1111"),
    ]
    with pytest.raises(errors.InvalidWebhookUrlError, match=r"hooks.example.com resolves to 10.0.0.7 is a private"):
        check_addresses(d, ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(errors.InvalidWebhookUrlError, match="does not resolve"):
        check_addresses(d, [])


def test_a_local_http_name_must_resolve_to_loopback_only() -> None:
    d = parse_destination("http://localhost:9000/", allow_http_loopback=True)
    assert check_addresses(d, ["127.0.0.1", "::1"], allow_loopback=True) == [
        IPv4Address("127.0.0.1"),
        IPv6Address("::1"),
    ]
    with pytest.raises(errors.InvalidWebhookUrlError, match="only to loopback"):
        check_addresses(d, ["127.0.0.1", "93.184.215.14"], allow_loopback=True)


# -- properties --------------------------------------------------------------------------------

_NON_GLOBAL_V4 = [
    IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",
    )
]
_NON_GLOBAL_V6 = [
    IPv6Network(n)
    for n in (
        "::/8",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
]


def _in(network: IPv4Network | IPv6Network) -> st.SearchStrategy[IPv4Address | IPv6Address]:
    start, size = int(network.network_address), network.num_addresses
    kind = IPv4Address if network.version == 4 else IPv6Address
    return st.integers(0, size - 1).map(lambda offset: kind(start + offset))


_v4_non_global = st.one_of([_in(n) for n in _NON_GLOBAL_V4])


@settings(deadline=None)  # a loaded machine must not make a property flaky
@given(st.one_of([_in(n) for n in _NON_GLOBAL_V4 + _NON_GLOBAL_V6]))
def test_no_address_in_a_special_purpose_range_is_accepted(address: IPv4Address | IPv6Address) -> None:
    assert refusal_reason(address) is not None


@settings(deadline=None)  # a loaded machine must not make a property flaky
@given(st.ip_addresses())
def test_no_address_the_standard_library_calls_non_global_is_accepted(address: IPv4Address | IPv6Address) -> None:
    if not address.is_global or address.is_multicast:
        assert refusal_reason(address) is not None


@settings(deadline=None)  # a loaded machine must not make a property flaky
@given(_v4_non_global)
def test_no_embedding_of_a_non_global_ipv4_address_is_accepted(inner: IPv4Address) -> None:
    v4 = int(inner)
    for wrapped in (
        IPv6Address((0xFFFF << 32) | v4),  # ::ffff:a.b.c.d
        IPv6Address(v4),  # ::a.b.c.d
        IPv6Address((0x64FF9B << 96) | v4),  # 64:ff9b::a.b.c.d
        IPv6Address((0x2002 << 112) | (v4 << 80) | 1),  # 2002:aabb:ccdd::1
        IPv6Address((0x20010000 << 96) | (v4 ^ 0xFFFFFFFF)),  # Teredo, client obfuscated
    ):
        assert refusal_reason(wrapped) is not None, wrapped
        if wrapped != IPv6Address("::1"):  # ::0.0.0.1 is the loopback address itself
            assert refusal_reason(wrapped, allow_loopback=True) is not None, wrapped


@settings(deadline=None)  # a loaded machine must not make a property flaky
@given(st.one_of([_in(n) for n in _NON_GLOBAL_V4 + _NON_GLOBAL_V6]))
def test_no_non_global_literal_passes_the_url_check(address: IPv4Address | IPv6Address) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    with pytest.raises(errors.InvalidWebhookUrlError):
        parse_destination(f"https://{host}/hook")


_url_text = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, middle, tail: f"{scheme}://{middle}{tail}",
        st.sampled_from(["https", "http", "HTTPS", "ftp", ""]),
        st.text(alphabet="abc019.:@[]%/\\#?xX-_ \t\n\u00e9", max_size=40),
        st.text(alphabet="/?#=&a", max_size=10),
    ),
)


@settings(deadline=None)  # a loaded machine must not make a property flaky
@given(_url_text, st.booleans())
def test_any_text_is_either_refused_with_the_catalog_error_or_a_checked_destination(url: str, local: bool) -> None:
    try:
        d = parse_destination(url, allow_http_loopback=local)
    except errors.InvalidWebhookUrlError:
        return
    assert d.scheme == "https" or (local and d.scheme == "http")
    assert 1 <= d.port <= 65535
    assert "@" not in d.host
    assert d.target.startswith("/")
    if d.literal is not None:
        assert refusal_reason(d.literal, allow_loopback=local) is None
    else:
        assert all(label and len(label) <= 63 for label in d.host.split("."))
        assert not d.host.split(".")[-1].isdigit()
