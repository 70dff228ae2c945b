"""Which URLs and addresses a webhook may be sent to: the pure half of the SSRF guard.

A webhook URL is attacker-controlled, and the delivery worker runs inside the platform's network,
where the instance metadata service, the VPC's private ranges and the loopback interface answer.
Nothing here does I/O: the sender (chalicelib/adapters/webhook_http.py) resolves the host once,
asks :func:`refusal_reason` about every address it got, and connects only to one that passed.

The address tables are explicit (IANA's special-purpose registries) rather than left to
``ipaddress.is_global`` alone, whose answers changed between Python releases (multicast was
"global" before 3.12.4, 6to4 was before 3.13); the standard library's answer is kept as a last
net under the tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

from chalicelib.core import errors

IpAddress = IPv4Address | IPv6Address

# Long enough for any real endpoint with a query string, short enough to store and show.
MAX_URL_LENGTH = 2048

_V4 = IPv4Network
_V6 = IPv6Network

# Checked in order: the first range that holds the address names the reason.
_IPV4_REFUSED: tuple[tuple[IPv4Network, str], ...] = (
    (_V4("0.0.0.0/32"), "the unspecified address"),
    (_V4("0.0.0.0/8"), "a 'this network' address"),
    (_V4("10.0.0.0/8"), "a private address"),
    (_V4("100.64.0.0/10"), "a shared (CGNAT) address"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("169.254.169.254/32"), "the cloud instance metadata address"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("172.16.0.0/12"), "a private address"),
    (_V4("192.0.0.0/24"), "an IETF protocol assignment address"),
    (_V4("192.0.2.0/24"), "a documentation address"),
    (_V4("192.88.99.0/24"), "a 6to4 relay anycast address"),
    (_V4("192.168.0.0/16"), "a private address"),
    (_V4("198.18.0.0/15"), "a benchmarking address"),
    (_V4("198.51.100.0/24"), "a documentation address"),
    (_V4("203.0.113.0/24"), "a documentation address"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("255.255.255.255/32"), "the broadcast address"),
    (_V4("240.0.0.0/4"), "a reserved address"),
)

_IPV6_REFUSED: tuple[tuple[IPv6Network, str], ...] = (
    (_V6("::/128"), "the unspecified address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("64:ff9b:1::/48"), "a local-use NAT64 address"),
    # Holds ::/96 (IPv4-compatible, deprecated) and ::ffff:0:0/96; NAT64's 64:ff9b::/96 is taken first.
    (_V6("::/8"), "a reserved address"),
    (_V6("100::/64"), "a discard-only address"),
    (_V6("2001:db8::/32"), "a documentation address"),
    (_V6("2001::/32"), "a Teredo tunnel address"),
    (_V6("2001::/23"), "an IETF protocol assignment address"),
    (_V6("3fff::/20"), "a documentation address"),
    (_V6("5f00::/16"), "a segment routing (SRv6) address"),
    (_V6("fc00::/7"), "a unique local address (ULA)"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("fec0::/10"), "a site-local address"),
    (_V6("ff00::/8"), "a multicast address"),
)

_NAT64 = _V6("64:ff9b::/96")
_SIXTOFOUR = _V6("2002::/16")
_GLOBAL_UNICAST = _V6("2000::/3")
_LOOPBACK_V4 = _V4("127.0.0.0/8")

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# A last label of digits (or 0x... hex) makes WHATWG parsers and inet_aton() read the host as an
# IPv4 number: "2130706433", "0x7f.1", "127.1" all mean 127.0.0.1 somewhere. Only dotted quads in
# canonical decimal are accepted as addresses; these are refused, not reinterpreted.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


def refusal_reason(address: IpAddress | str, *, allow_loopback: bool = False) -> str | None:
    """Why a webhook may not be sent to ``address`` ("10.0.0.7 is a private address"), or None
    when it is a globally routable unicast address. ``allow_loopback`` (the local stage only)
    lets 127.0.0.0/8 and ::1 through, and nothing else."""
    ip = ip_address(address) if isinstance(address, str) else address
    kind = _refused_kind(ip, allow_loopback=allow_loopback)
    return None if kind is None else f"{ip} is {kind}"


def is_loopback(address: IpAddress) -> bool:
    """127.0.0.0/8 or ::1; never an IPv4-mapped form (those are refused whatever they hold)."""
    return address in _LOOPBACK_V4 if isinstance(address, IPv4Address) else address == IPv6Address("::1")


def _refused_kind(ip: IpAddress, *, allow_loopback: bool) -> str | None:
    if allow_loopback and is_loopback(ip):
        return None
    if isinstance(ip, IPv4Address):
        return _ipv4_kind(ip)
    return _ipv6_kind(ip)


def _ipv4_kind(ip: IPv4Address) -> str | None:
    for network, kind in _IPV4_REFUSED:
        if ip in network:
            return kind
    return None if ip.is_global else "not a globally routable address"


def _ipv6_kind(ip: IPv6Address) -> str | None:
    if ip.scope_id:
        return "an address with a zone index"
    mapped = ip.ipv4_mapped
    if mapped is not None:
        # Always refused: an IPv6 socket would reach the IPv4 host, which is exactly the trick.
        inner = _ipv4_kind(mapped)
        suffix = f" of {mapped}, {inner}" if inner else f" of {mapped}"
        return "an IPv4-mapped IPv6 address" + suffix
    if ip in _NAT64:
        return _embedded_kind("a NAT64 address", IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip in _SIXTOFOUR and ip.sixtofour is not None:
        return _embedded_kind("a 6to4 address", ip.sixtofour)
    if ip.teredo is not None:
        _server, client = ip.teredo
        inner = _ipv4_kind(client)
        return "a Teredo tunnel address" + (f" of {client}, {inner}" if inner else "")
    for network, kind in _IPV6_REFUSED:
        if ip in network:
            return kind
    if ip not in _GLOBAL_UNICAST:
        return "not a global unicast address"
    return None if ip.is_global else "not a globally routable address"


def _embedded_kind(form: str, inner: IPv4Address) -> str | None:
    """NAT64 and 6to4 reach the IPv4 host they embed: refused exactly when that host is."""
    kind = _ipv4_kind(inner)
    return None if kind is None else f"{form} of {inner}, {kind}"


@dataclass(frozen=True, slots=True)
class Destination:
    """A webhook URL that passed the form checks, taken apart for the sender."""

    url: str
    scheme: str  # "https", or "http" to loopback on the local stage
    host: str  # lowercase host name (no trailing dot) or IP literal (no brackets)
    port: int
    target: str  # the request target: path and query
    literal: IpAddress | None  # the host, when it is an IP literal

    @property
    def default_port(self) -> int:
        return 443 if self.scheme == "https" else 80


def parse_destination(url: str, *, allow_http_loopback: bool = False) -> Destination:
    """Check the form of a webhook URL; raise ``InvalidWebhookUrlError`` saying what is wrong.

    HTTPS only; plain HTTP only when ``allow_http_loopback`` (the local stage's explicit setting)
    and the host is a loopback literal or ``localhost``. No userinfo (``https://a.com@10.0.0.1/``
    goes to 10.0.0.1 in most parsers), no fragment, no whitespace or backslashes (parsers disagree
    on them), an explicit port only in 1-65535, and a host that is a fully qualified name or a
    canonical IP literal. Addresses the name resolves to are checked afterwards, by the sender.
    """
    if not isinstance(url, str) or not url:
        raise _invalid("The webhook URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(f"The webhook URL is longer than {MAX_URL_LENGTH} characters")
    if not url.isascii():
        raise _invalid("The webhook URL must be ASCII: write an international host name in its xn-- form")
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise _invalid("The webhook URL contains whitespace or control characters")
    if "\\" in url:
        raise _invalid("The webhook URL contains a backslash")
    if "#" in url:
        raise _invalid("The webhook URL may not have a fragment (#...)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _invalid(f"The webhook URL cannot be parsed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise _invalid("The webhook URL must use https")
    if scheme == "http" and not allow_http_loopback:
        raise _invalid("The webhook URL must use https")
    netloc = parts.netloc
    if not netloc:
        raise _invalid("The webhook URL has no host")
    if "@" in netloc:
        raise _invalid("The webhook URL may not carry a user name or password (user@host)")
    if port is not None and not 1 <= port <= 65535:
        raise _invalid("The webhook URL's port must be between 1 and 65535")
    if netloc.endswith(":"):
        raise _invalid("The webhook URL has an empty port")
    host, literal = _host_of(parts.hostname or "", bracketed=netloc.startswith("["))
    if scheme == "http" and not (host == "localhost" or (literal is not None and is_loopback(literal))):
        raise _invalid("The webhook URL must use https (plain http is allowed only to loopback, locally)")
    if host == "localhost" and not allow_http_loopback:
        raise _invalid("localhost is not an allowed webhook host")
    if literal is not None:
        reason = refusal_reason(literal, allow_loopback=allow_http_loopback)
        if reason:
            raise _invalid(reason, address=str(literal))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if scheme == "https" else 80
    return Destination(url, scheme, host, port or default, target, literal)


def check_addresses(destination: Destination, addresses: list[str], *, allow_loopback: bool = False) -> list[IpAddress]:
    """The addresses ``destination``'s host resolved to, parsed, if every one of them is allowed;
    otherwise ``InvalidWebhookUrlError`` naming the first refused one. One bad address refuses the
    name: a resolver may hand out any of them, and a rebinding name mixes a public one in."""
    if not addresses:
        raise _invalid(f"{destination.host} does not resolve to any address")
    parsed: list[IpAddress] = []
    for raw in addresses:
        try:
            ip = ip_address(raw)
        except ValueError:
            raise _invalid(f"{destination.host} resolved to {raw!r}, which is not an IP address") from None
        reason = refusal_reason(ip, allow_loopback=allow_loopback)
        if reason:
            named = "" if destination.literal is not None else f"{destination.host} resolves to "
            raise _invalid(named + reason, address=str(ip))
        if destination.scheme == "http" and not is_loopback(ip):
            raise _invalid(f"{destination.host} resolves to {ip}: plain http is allowed only to loopback")
        if ip not in parsed:
            parsed.append(ip)
    return parsed


def _host_of(hostname: str, *, bracketed: bool) -> tuple[str, IpAddress | None]:
    if bracketed:
        try:
            v6 = IPv6Address(hostname)
        except ValueError:
            raise _invalid(f"[{hostname}] is not an IPv6 address") from None
        if v6.scope_id:
            raise _invalid(f"{v6} has a zone index, which a webhook URL may not carry", address=str(v6))
        return str(v6), v6
    if not hostname:
        raise _invalid("The webhook URL has no host")
    try:
        return str(IPv4Address(hostname)), IPv4Address(hostname)
    except ValueError:
        pass
    host = hostname[:-1] if hostname.endswith(".") else hostname
    labels = host.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        raise _invalid(f"{hostname} is not an IPv4 address in dotted-quad form, nor a host name")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _invalid(f"{hostname} is not a valid host name")
    if len(labels) < 2 and host != "localhost":
        raise _invalid(f"{hostname} is not a fully qualified host name")
    return host, None


def _invalid(message: str, *, address: str | None = None) -> errors.InvalidWebhookUrlError:
    return errors.InvalidWebhookUrlError(message, details={"address": address} if address else None)
