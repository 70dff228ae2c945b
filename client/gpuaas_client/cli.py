"""The ``gpuaas`` command line.

    gpuaas [--api-url URL] [--profile P] [--json] COMMAND ...

Exit status: 0 on success, 1 when the API (or the network) says no, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import csv
import functools
import getpass
import io
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any, TextIO

from gpuaas_client.credentials import CredentialsError, CredentialStore
from gpuaas_client.sdk import (
    ALLOCATION_STATES,
    ROLES,
    Allocation,
    ApiError,
    Balance,
    Client,
    GpuaasError,
    LedgerEntry,
    Tokens,
    WaitTimeout,
)

DEFAULT_API_URL = "http://127.0.0.1:8000"
MICROS_PER_UNIT = 1_000_000
MAX_MICROS = 2**53 - 1  # the API's integers stay exact in any JSON reader
DEFAULT_WAIT_SECONDS = 600
DEFAULT_TOPUP_WAIT_SECONDS = 30
DEFAULT_LEDGER_LIMIT = 50
LEDGER_PAGE_SIZE = 200  # for --all: the API's largest page (it caps what is asked)
LEDGER_CSV_COLUMNS = ("at", "id", "kind", "wallet_delta_micros", "currency", "allocation_id", "description")

SKU_ID = re.compile(r"^sku_[0-9a-z]{26}$")
OS_IMAGE_ID = re.compile(r"^img_[0-9a-z]{26}$")
SSH_KEY_ID = re.compile(r"^ssh_[0-9a-z]{26}$")

# A line more to print under some API errors: what to do about them.
ERROR_HINTS = {
    "NO_SSH_KEYS": "add one first: gpuaas ssh-keys add NAME ~/.ssh/id_ed25519.pub",
    "INSUFFICIENT_CAPACITY": "see what is free: gpuaas skus --available",
    "INVALID_ALLOCATION_STATE": "see its state: gpuaas allocations get ALLOCATION_ID",
    "INSUFFICIENT_FUNDS": "see the balance and runway: gpuaas balance; top up: gpuaas topup AMOUNT",
    "SPEND_CAP_REACHED": "see the cap: gpuaas spend-cap; an owner can raise it: gpuaas spend-cap set AMOUNT",
    "ACCOUNT_FROZEN": "see gpuaas balance; new allocations stay refused until an operator lifts the freeze",
    "ROUTE_NOT_FOUND": "the API may be older than this client, or this is not the local stage",
}


class UsageError(Exception):
    """The command line is wrong (exit status 2)."""


# Money ---------------------------------------------------------------------------------------


def dollars_to_micros(text: str) -> int:
    """``"2.49"`` -> ``2490000``: exact decimal arithmetic, never a float. Refuses what is not exact."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"not a dollar amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a dollar amount: {text!r}")
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    micros = value * MICROS_PER_UNIT
    if micros != micros.to_integral_value():
        raise ValueError(f"more precise than a micro-dollar (6 decimal places): {text!r}")
    if micros > MAX_MICROS:
        raise ValueError(f"too large: {text!r}")
    return int(micros)


def format_micros(micros: int, currency: str = "USD") -> str:
    """``2490000`` -> ``"$2.49"``, ``1`` -> ``"$0.000001"``: integer arithmetic, exact."""
    sign = "-" if micros < 0 else ""
    units, fraction = divmod(abs(int(micros)), MICROS_PER_UNIT)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    symbol = "$" if currency == "USD" else ""
    suffix = "" if currency == "USD" else f" {currency}"
    return f"{sign}{symbol}{units}.{digits}{suffix}"


AMOUNT = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")


def parse_amount(text: str, *, places: int = 2, allow_zero: bool = True) -> int:
    """An amount in currency units (``"25"``, ``"25.50"``) -> integer micro-units (``25500000``).

    Exact decimal arithmetic, never a float. Plain digits only: no sign, exponent, ``NaN``, ``inf`` or
    ``_``; at most ``places`` decimal places (trailing zeros aside).
    """
    raw = text.strip()
    match = AMOUNT.fullmatch(raw)
    if match is None:
        if raw.startswith("-") and AMOUNT.fullmatch(raw[1:]):
            raise ValueError(f"must not be negative: {text!r}")
        raise ValueError(f"not an amount: {text!r} (write it like 25 or 25.50)")
    if len((match["fraction"] or "").rstrip("0")) > places:
        raise ValueError(f"at most {places} decimal places: {text!r}")
    if len(match["whole"].lstrip("0")) > 16:  # far past MAX_MICROS; keeps the product below exact
        raise ValueError(f"too large: {text!r}")
    micros = Decimal(raw) * MICROS_PER_UNIT  # exact: at most 22 significant digits
    if micros > MAX_MICROS:
        raise ValueError(f"too large: {text!r}")
    if micros == 0 and not allow_zero:
        raise ValueError(f"must be more than 0: {text!r}")
    return int(micros)


def format_duration(seconds: float | None) -> str:
    """``11520`` -> ``"3h 12m"``: the two largest units, rounded down (a runway never looks longer
    than it is); ``None`` -> ``"-"``."""
    if seconds is None:
        return "-"
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    first, second = parts[0], parts[1] if len(parts) > 1 else None
    if second is None or second[0] == 0:
        return f"{first[0]}{first[1]}"
    return f"{first[0]}{first[1]} {second[0]}{second[1]}"


def format_signed_micros(micros: int, currency: str = "USD") -> str:
    """A movement of money: ``+$25.00``, ``-$0.06``, ``$0.00``."""
    return ("+" if micros > 0 else "") + format_micros(micros, currency)


def _amount_arg(text: str) -> int:
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _topup_amount_arg(text: str) -> int:
    try:
        return parse_amount(text, allow_zero=False)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day_arg(text: str) -> str:
    """``YYYY-MM-DD``, a real day."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def _month_arg(text: str) -> str:
    """``YYYY-MM``, a real month."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}")
    return text


def _time_arg(text: str) -> str:
    """A day or a UTC time, as the API takes them: ``2026-11-26`` or ``2026-11-26T10:00:00Z``."""
    match = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?Z?)?", text)
    try:
        if match is None:
            raise ValueError
        date.fromisoformat(match[1])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a day or UTC time (2026-11-26, 2026-11-26T10:00:00Z): {text!r}"
        ) from None
    return text


def _price_arg(text: str) -> int:
    try:
        return dollars_to_micros(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


# Output --------------------------------------------------------------------------------------


def render_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Left-aligned columns, two spaces apart; ``None`` prints as ``-``."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


class Output:
    def __init__(self, as_json: bool, out: TextIO, err: TextIO) -> None:
        self.as_json = as_json
        self.out = out
        self.err = err

    def json(self, data: Any) -> None:
        print(json.dumps(data, indent=2, sort_keys=True), file=self.out)

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        print(text, file=self.err)

    def table(
        self, items: list[dict[str, Any]], columns: Sequence[tuple[str, Callable[[dict[str, Any]], Any]]]
    ) -> None:
        if self.as_json:
            self.json(items)
        elif not items:
            self.line("(none)")
        else:
            self.line(render_table([[get(i) for _, get in columns] for i in items], [h for h, _ in columns]))

    def record(self, data: dict[str, Any], fields: Sequence[tuple[str, Any]]) -> None:
        if self.as_json:
            self.json(data)
        else:
            width = max(len(k) for k, _ in fields) + 1
            for k, v in fields:
                self.line(f"{k + ':':<{width}}  {'-' if v is None else v}")


def print_error(err: TextIO, exc: GpuaasError) -> None:
    if isinstance(exc, ApiError):
        suffix = f" ({exc.request_id})" if exc.request_id else ""
        print(f"error {exc.code}: {exc.message}{suffix}", file=err)
        for d in exc.details or []:
            if isinstance(d, dict):
                print(f"  {d.get('field', '?')}: {d.get('problem', '')}", file=err)
        if exc.status == 429 or exc.retry_after is not None:
            wait = f"{exc.retry_after} seconds" if exc.retry_after is not None else "a while"
            print(f"rate limited: retry after {wait}", file=err)
        if exc.code in ERROR_HINTS:
            print(f"hint: {ERROR_HINTS[exc.code]}", file=err)
    else:
        print(f"error: {exc}", file=err)


# Context -------------------------------------------------------------------------------------


class Context:
    """What every command needs: the store, the profile, the API URL and a client for it."""

    def __init__(self, args: argparse.Namespace, out: Output) -> None:
        self.args = args
        self.out = out
        self.store = CredentialStore()
        self.profile_name: str = args.profile
        self._profile: dict[str, Any] | None = None
        self._loaded = False

    @property
    def profile(self) -> dict[str, Any] | None:
        if not self._loaded:
            self._profile = self.store.get(self.profile_name)
            self._loaded = True
        return self._profile

    @property
    def api_url(self) -> str:
        url = (
            self.args.api_url
            or os.environ.get("GPUAAS_API_URL")
            or (self.profile or {}).get("api_url")
            or DEFAULT_API_URL
        )
        return url.rstrip("/")

    def anonymous(self) -> Client:
        return Client(self.api_url)

    def authed(self) -> Client:
        p = self.profile
        if not p or not (p.get("api_key") or p.get("access_token") or p.get("refresh_token")):
            raise GpuaasError(f"not signed in (profile {self.profile_name!r}); run `gpuaas login` first")
        if p.get("api_key"):
            return Client(self.api_url, api_key=p["api_key"])
        return Client(
            self.api_url,
            access_token=p.get("access_token"),
            refresh_token=p.get("refresh_token"),
            on_tokens=self._store_rotated,
        )

    def _store_rotated(self, tokens: Tokens) -> None:
        # The old refresh token is dead the moment the API rotates it: persist the new one at once.
        if self.profile and not self.profile.get("api_key"):
            self.store.update_tokens(self.profile_name, tokens["access_token"], tokens.get("refresh_token"))
            self._loaded = False


# Commands ------------------------------------------------------------------------------------


def _signed_in(ctx: Context, client: Client, tokens: Tokens, how: str) -> int:
    ctx.store.put_session(ctx.profile_name, ctx.api_url, tokens["access_token"], tokens.get("refresh_token"))
    summary = {
        "profile": ctx.profile_name,
        "api_url": ctx.api_url,
        "user_id": tokens.get("user_id"),
        "org_id": tokens.get("org_id"),
        "auth": "session",
    }
    if ctx.out.as_json:
        ctx.out.json(summary)
    else:
        ctx.out.line(
            f"Signed in ({how}) as {tokens.get('user_id')} in {tokens.get('org_id')}; "
            f"profile {ctx.profile_name!r} at {ctx.api_url}"
        )
    return 0


def cmd_login(ctx: Context) -> int:
    a = ctx.args
    if a.dev:
        if not a.user or not a.org:
            raise UsageError("login --dev needs --user and --org")
        client = ctx.anonymous()
        return _signed_in(ctx, client, client.dev_token(a.user, a.org, a.role), "dev issuer")
    if a.oidc_token is not None:
        client = ctx.anonymous()
        return _signed_in(ctx, client, client.exchange_oidc_token(a.oidc_token, org_id=a.org_id), "OIDC")
    # --api-key: never on the command line (shell history, ps); from the environment or a hidden prompt.
    key = os.environ.get("GPUAAS_API_KEY") or getpass.getpass("API key: ")
    key = key.strip()
    if not key:
        raise UsageError("no API key given (set GPUAAS_API_KEY or type it at the prompt)")
    client = Client(ctx.api_url, api_key=key)
    me = client.me()  # verify before storing
    ctx.store.put_api_key(ctx.profile_name, ctx.api_url, key)
    if ctx.out.as_json:
        ctx.out.json(
            {
                "profile": ctx.profile_name,
                "api_url": ctx.api_url,
                "user_id": me["user"]["id"],
                "org_id": me["org"]["id"],
                "auth": "api_key",
            }
        )
    else:
        ctx.out.line(
            f"Signed in with an API key as {me['user'].get('email') or me['user']['id']} "
            f"in {me['org'].get('name') or me['org']['id']} ({me.get('role')}); profile {ctx.profile_name!r}"
        )
    return 0


def cmd_logout(ctx: Context) -> int:
    p = ctx.profile
    if not p:
        ctx.out.note(f"Not signed in (profile {ctx.profile_name!r}).")
        return 0
    failure: GpuaasError | None = None
    if p.get("api_key"):
        ctx.out.note("Forgetting the stored API key; it stays valid until revoked (gpuaas api-keys revoke KEY_ID).")
    else:
        client = ctx.authed()
        try:
            client.logout_all() if ctx.args.everywhere else client.logout()
        except ApiError as exc:
            if exc.status != 401:  # a 401 means the session is already over: nothing left to end
                failure = exc
        except GpuaasError as exc:
            failure = exc
    # Forget the credentials locally in any case: signing out here must always work.
    ctx.store.delete(ctx.profile_name)
    if failure is not None:
        print_error(ctx.out.err, failure)
        ctx.out.note("The local credentials were removed, but the server may not have ended the session.")
        return 1
    ctx.out.note("Signed out everywhere." if ctx.args.everywhere and not p.get("api_key") else "Signed out.")
    return 0


def cmd_whoami(ctx: Context) -> int:
    me = ctx.authed().me()
    orgs = ", ".join(f"{o.get('name')} ({o.get('id')}, {o.get('role')})" for o in me.get("orgs", []))
    user, org = me.get("user", {}), me.get("org", {})
    ctx.out.record(
        me,
        [
            ("user", f"{user.get('name') or '-'} <{user.get('email') or '-'}> ({user.get('id')})"),
            ("org", f"{org.get('name')} ({org.get('id')})"),
            ("role", me.get("role")),
            ("operator", "yes" if me.get("operator") else "no"),
            ("auth", me.get("auth")),
            ("orgs", orgs or "-"),
            ("profile", ctx.profile_name),
            ("api", ctx.api_url),
        ],
    )
    return 0


API_KEY_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("ID", lambda k: k.get("id")),
    ("NAME", lambda k: k.get("name")),
    ("PREFIX", lambda k: k.get("prefix")),
    ("SCOPES", lambda k: ",".join(k.get("scopes") or [])),
    ("ROLE", lambda k: k.get("role")),
    ("CREATED", lambda k: k.get("created_at")),
    ("EXPIRES", lambda k: k.get("expires_at")),
    ("LAST USED", lambda k: k.get("last_used_at")),
    ("REVOKED", lambda k: k.get("revoked_at")),
]


def cmd_api_keys(ctx: Context) -> int:
    a = ctx.args
    client = ctx.authed()
    if a.action == "list":
        ctx.out.table(list(client.api_keys()), API_KEY_COLUMNS)
    elif a.action == "create":
        key = client.create_api_key(a.name, a.scopes or ["read"], a.expires_in_days)
        if ctx.out.as_json:
            ctx.out.json(key)
        else:
            ctx.out.line(render_table([[c(key) for _, c in API_KEY_COLUMNS[:6]]], [h for h, _ in API_KEY_COLUMNS[:6]]))
            ctx.out.line()
            ctx.out.line(f"secret: {key['secret']}")
        ctx.out.note("Warning: store this secret now; it will not be shown again.")
    else:
        key = client.revoke_api_key(a.key_id)
        if ctx.out.as_json:
            ctx.out.json(key)
        else:
            ctx.out.line(f"Revoked API key {key.get('id', a.key_id)} ({key.get('name')}).")
    return 0


SSH_KEY_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("ID", lambda k: k.get("id")),
    ("NAME", lambda k: k.get("name")),
    ("TYPE", lambda k: k.get("type")),
    ("FINGERPRINT", lambda k: k.get("fingerprint")),
    ("COMMENT", lambda k: k.get("comment")),
    ("ADDED", lambda k: k.get("created_at")),
]


def cmd_ssh_keys(ctx: Context) -> int:
    a = ctx.args
    client = ctx.authed()
    if a.action == "list":
        ctx.out.table(list(client.ssh_keys()), SSH_KEY_COLUMNS)
        return 0
    if a.action == "delete":
        client.delete_ssh_key(a.key_id)
        if not ctx.out.as_json:
            ctx.out.line(f"Deleted SSH key {a.key_id}.")
        return 0
    try:
        with open(os.path.expanduser(a.public_key_file), encoding="utf-8") as handle:
            public_key = handle.read().strip()
    except OSError as exc:
        raise UsageError(f"cannot read {a.public_key_file}: {exc.strerror}") from exc
    key = client.add_ssh_key(a.name, public_key)
    if ctx.out.as_json:
        ctx.out.json(key)
    else:
        ctx.out.line(render_table([[c(key) for _, c in SSH_KEY_COLUMNS]], [h for h, _ in SSH_KEY_COLUMNS]))
    return 0


MEMBER_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("USER ID", lambda m: m.get("user_id")),
    ("EMAIL", lambda m: m.get("email")),
    ("NAME", lambda m: m.get("name")),
    ("ROLE", lambda m: m.get("role")),
    ("JOINED", lambda m: m.get("joined_at")),
]


def cmd_members(ctx: Context) -> int:
    a = ctx.args
    client = ctx.authed()
    if a.action == "list":
        ctx.out.table(list(client.members()), MEMBER_COLUMNS)
        return 0
    if a.action == "remove":
        client.remove_member(a.user_id)
        if not ctx.out.as_json:
            ctx.out.line(f"Removed {a.user_id}.")
        return 0
    member = client.add_member(a.user_id, a.role) if a.action == "add" else client.set_member_role(a.user_id, a.role)
    if ctx.out.as_json:
        ctx.out.json(member)
    else:
        ctx.out.line(render_table([[c(member) for _, c in MEMBER_COLUMNS]], [h for h, _ in MEMBER_COLUMNS]))
    return 0


SKU_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("ID", lambda s: s.get("id")),
    ("NAME", lambda s: s.get("name")),
    ("GPU MODEL", lambda s: s.get("gpu_model")),
    ("GPUS", lambda s: s.get("gpus")),
    ("VCPUS", lambda s: s.get("vcpus")),
    ("RAM GIB", lambda s: s.get("ram_gib")),
    ("REGION", lambda s: s.get("region")),
    ("PRICE/HOUR", lambda s: format_micros(s["price_per_hour_micros"], s.get("currency", "USD"))),
    ("FREE", lambda s: f"{s.get('free_slots', 0)}/{s.get('total_slots', 0)}"),
]


def cmd_skus(ctx: Context) -> int:
    a = ctx.args
    items = ctx.anonymous().skus(
        region=a.region,
        gpu_model=a.gpu_model,
        min_gpus=a.min_gpus,
        max_price_per_hour_micros=a.max_price_per_hour,
        available=True if a.available else None,
    )
    ctx.out.table(list(items), SKU_COLUMNS)
    return 0


OS_IMAGE_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("ID", lambda i: i.get("id")),
    ("NAME", lambda i: i.get("name")),
    ("FAMILY", lambda i: i.get("family")),
    ("VERSION", lambda i: i.get("version")),
    ("CONTAINER IMAGE", lambda i: i.get("container_image")),
]


def cmd_os_images(ctx: Context) -> int:
    ctx.out.table(list(ctx.anonymous().os_images()), OS_IMAGE_COLUMNS)
    return 0


# Allocations ---------------------------------------------------------------------------------


def resolve_id(
    kind: str, value: str, pattern: re.Pattern[str], fetch: Callable[[], Iterable[Mapping[str, Any]]], see: str
) -> str:
    """``value`` when it is an id; otherwise the id of the one item named ``value`` (``fetch`` lists them)."""
    if pattern.match(value):
        return value
    ids = [str(i.get("id")) for i in fetch() if i.get("name") == value]
    if not ids:
        raise UsageError(f"no {kind} named {value!r} (see `{see}`)")
    if len(ids) > 1:
        raise UsageError(f"{len(ids)} {kind}s are named {value!r} ({', '.join(ids)}); give the id")
    return ids[0]


def format_step(state: str, seconds: float) -> str:
    """``("active", 1.23)`` -> ``"active 1.2s"``."""
    return f"{state} {seconds:.1f}s"


class Progress:
    """An allocation's state changes as they happen, each with the seconds since ``started``.

    On a terminal one line is rewritten in place (``pending 0.0s -> provisioning 0.4s -> active 1.2s``);
    otherwise (a pipe, a log file) each change is a line of its own. Call :meth:`done` at the end.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        started: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.tty = _isatty(stream) if tty is None else tty
        self.clock = clock
        self.started = clock() if started is None else started
        self.steps: list[tuple[str, float]] = []
        self._open = False

    def __call__(self, allocation: Mapping[str, Any]) -> None:
        self.update(str(allocation.get("state")))

    def update(self, state: str) -> None:
        if self.steps and self.steps[-1][0] == state:
            return
        self.steps.append((state, max(0.0, self.clock() - self.started)))
        if self.tty:
            self.stream.write(f"\r\x1b[K{self.line()}")
            self._open = True
        else:
            self.stream.write(format_step(*self.steps[-1]) + "\n")
        self.stream.flush()

    def line(self) -> str:
        return " -> ".join(format_step(state, seconds) for state, seconds in self.steps)

    @property
    def elapsed(self) -> float:
        return self.steps[-1][1] if self.steps else 0.0

    def done(self) -> None:
        """End the rewritten line (on a terminal), so that what follows starts a line of its own."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def ssh_command(connection: Mapping[str, Any], extra: Sequence[str] = ()) -> list[str]:
    """``ssh -p PORT USER@HOST [extra...]`` as an argv, from an active allocation's ``connection``.

    Refuses a host or user that ssh would read as an option, or that holds spaces or controls.
    """
    host, user, port = connection.get("host"), connection.get("user"), connection.get("port")
    for what, value in (("host", host), ("user", user)):
        if (
            not isinstance(value, str)
            or not value
            or value.startswith("-")
            or "@" in value
            or any(c.isspace() or not c.isprintable() for c in value)
        ):
            raise GpuaasError(f"the API gave an unusable ssh {what}: {value!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise GpuaasError(f"the API gave an unusable ssh port: {port!r}")
    return ["ssh", "-p", str(port), f"{user}@{host}", *extra]


def _gpus(a: Mapping[str, Any]) -> str:
    return f"{a.get('gpus')} x {a.get('gpu_model')}" if a.get("gpus") is not None else "-"


def _price(a: Mapping[str, Any]) -> str | None:
    micros = a.get("price_per_hour_micros")
    return None if micros is None else format_micros(micros, a.get("currency", "USD"))


ALLOCATION_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("ID", lambda a: a.get("id")),
    ("NAME", lambda a: a.get("name")),
    ("STATE", lambda a: a.get("state")),
    ("SLOTS", lambda a: a.get("count")),
    ("GPUS", _gpus),
    ("REGION", lambda a: a.get("region")),
    ("PRICE/HOUR", _price),
    ("CREATED", lambda a: a.get("created_at")),
]

EVENT_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("TIME", lambda e: e.get("time")),
    ("TYPE", lambda e: e.get("type")),
    ("STATE", lambda e: (e.get("data") or {}).get("state")),
    ("REASON", lambda e: (e.get("data") or {}).get("reason")),
]


def _allocation_record(ctx: Context, allocation: Allocation) -> None:
    a: dict[str, Any] = dict(allocation)
    connection = a.get("connection") or {}
    state = a.get("state")
    ctx.out.record(
        a,
        [
            ("id", a.get("id")),
            ("name", a.get("name")),
            ("state", f"{state}: {a['reason']}" if a.get("reason") else state),
            ("sku", a.get("sku_id")),
            ("slots", a.get("count")),
            ("gpus", _gpus(a)),
            ("region", a.get("region")),
            ("node", a.get("node_id")),
            ("os image", a.get("os_image_id")),
            ("price/hour", _price(a)),
            ("created", a.get("created_at")),
            ("active since", a.get("activated_at")),
            ("released", a.get("released_at")),
            ("failed", a.get("failed_at")),
            ("connect", connection.get("command")),
            ("actions", ", ".join(a.get("allowed_actions") or []) or None),
        ],
    )


def _wait(
    ctx: Context, client: Client, allocation: Allocation, states: Collection[str], timeout: float, progress: Progress
) -> Allocation | None:
    """Wait with progress; the allocation it ended in, or None after a timeout (already reported)."""
    allocation_id = allocation["id"]
    progress(allocation)
    try:
        try:
            return client.wait_for_allocation(allocation_id, states, timeout, on_change=progress)
        finally:
            progress.done()
    except WaitTimeout as exc:
        last = exc.allocation
        if ctx.out.as_json:
            ctx.out.json(last)
        ctx.out.note(
            f"error: timed out after {timeout:g}s: allocation {allocation_id} is still {last.get('state')}; "
            f"it carries on (gpuaas allocations get {allocation_id})"
        )
        return None
    except KeyboardInterrupt:
        ctx.out.note(f"Stopped waiting; {allocation_id} carries on (gpuaas allocations get {allocation_id}).")
        raise


def _create_allocation(ctx: Context, client: Client) -> int:
    a = ctx.args
    sku_id = resolve_id("SKU", a.sku, SKU_ID, client.skus, "gpuaas skus")
    image_id = resolve_id("OS image", a.image, OS_IMAGE_ID, client.os_images, "gpuaas os-images")
    key_ids = None
    if a.ssh_keys:
        keys = functools.cache(lambda: list(client.ssh_keys()))
        key_ids = [resolve_id("SSH key", k, SSH_KEY_ID, keys, "gpuaas ssh-keys list") for k in a.ssh_keys]
    allocation = client.create_allocation(
        sku_id, image_id, a.count, ssh_key_ids=key_ids, name=a.name, idempotency_key=a.idempotency_key
    )
    allocation_id = allocation["id"]
    if not a.wait:
        _allocation_record(ctx, allocation)
        ctx.out.note(f"Provisioning goes on; follow it with `gpuaas allocations get {allocation_id}`.")
        return 0
    progress = Progress(ctx.out.err)  # from the API's answer
    final = _wait(ctx, client, allocation, ("active",), a.timeout, progress)
    if final is None:
        return 1
    if ctx.out.as_json:
        ctx.out.json(final)
    state = final.get("state")
    if state != "active":
        reason = f": {final['reason']}" if final.get("reason") else ""
        ctx.out.note(f"error: allocation {allocation_id} {state}{reason}")
        return 1
    if not ctx.out.as_json:
        connection = final.get("connection") or {}
        ctx.out.line(f"Allocation {allocation_id} is active ({progress.elapsed:.1f}s): {_gpus(final)}.")
        ctx.out.line(f"Connect: {connection.get('command') or '-'}")
        ctx.out.line(f"     or: gpuaas ssh {allocation_id}")
        ctx.out.line(f"Release: gpuaas allocations release {allocation_id}")
    return 0


def _release_allocation(ctx: Context, client: Client) -> int:
    a = ctx.args
    allocation = client.release_allocation(a.allocation_id)
    allocation_id = allocation.get("id", a.allocation_id)
    if not a.wait:
        if ctx.out.as_json:
            ctx.out.json(allocation)
        else:
            ctx.out.line(f"Releasing {allocation_id} ({allocation.get('state')}); billing has stopped.")
        return 0
    progress = Progress(ctx.out.err)  # from the API's answer
    final = _wait(ctx, client, allocation, ("released",), a.timeout, progress)
    if final is None:
        return 1
    if ctx.out.as_json:
        ctx.out.json(final)
    elif final.get("state") == "released":
        ctx.out.line(f"Released {allocation_id} ({progress.elapsed:.1f}s).")
    else:  # failed before it became active: nothing is left running either
        reason = f": {final['reason']}" if final.get("reason") else ""
        ctx.out.line(f"Allocation {allocation_id} ended {final.get('state')}{reason}; its slots are free.")
    return 0


def cmd_allocations(ctx: Context) -> int:
    a = ctx.args
    client = ctx.authed()
    if a.action == "create":
        return _create_allocation(ctx, client)
    if a.action == "release":
        return _release_allocation(ctx, client)
    if a.action == "list":
        ctx.out.table(list(client.allocations(state=a.state)), ALLOCATION_COLUMNS)
    elif a.action == "get":
        _allocation_record(ctx, client.get_allocation(a.allocation_id))
    else:
        ctx.out.table(list(client.allocation_events(a.allocation_id)), EVENT_COLUMNS)
    return 0


def cmd_ssh(ctx: Context) -> int:
    a = ctx.args
    allocation = ctx.authed().get_allocation(a.allocation_id)
    state = allocation.get("state")
    connection = allocation.get("connection")
    if state != "active" or not connection:
        reason = f" ({allocation['reason']})" if allocation.get("reason") else ""
        advice = (
            f"; wait for it: gpuaas allocations get {a.allocation_id}" if state in ("pending", "provisioning") else ""
        )
        raise GpuaasError(f"allocation {a.allocation_id} is {state}{reason}, not active{advice}")
    argv = ssh_command(connection, a.ssh_args)
    if a.print:
        if ctx.out.as_json:
            ctx.out.json({"argv": argv, "command": shlex.join(argv)})
        else:
            ctx.out.line(shlex.join(argv))
        return 0
    for stream in (ctx.out.out, ctx.out.err):
        stream.flush()
    try:
        os.execvp(argv[0], argv)  # noqa: S606 - a fixed argv, no shell; replaces this process on success
    except OSError as exc:
        raise GpuaasError(f"cannot run ssh: {exc.strerror or exc}") from exc
    return 1  # only when execvp is replaced (tests)


# Billing -------------------------------------------------------------------------------------


def _money(micros: int | None, currency: str) -> str | None:
    return None if micros is None else format_micros(micros, currency)


def balance_warnings(balance: Mapping[str, Any]) -> list[str]:
    """What the holder of this balance must know: a freeze, a depleted balance."""
    warnings = []
    if balance.get("frozen"):
        reason = f" ({balance['frozen_reason']})" if balance.get("frozen_reason") else ""
        warnings.append(f"warning: this org is frozen{reason}: new allocations are refused until an operator lifts it")
    if balance.get("depleted_at"):
        warnings.append(
            f"warning: the balance ran out at {balance['depleted_at']}: active allocations are being released; "
            "top up: gpuaas topup AMOUNT"
        )
    return warnings


def _runway(balance: Mapping[str, Any]) -> str:
    if balance.get("runway_seconds") is None:
        return "- (nothing running)"
    return format_duration(balance["runway_seconds"])


def _balance_record(ctx: Context, balance: Balance) -> None:
    b: dict[str, Any] = dict(balance)
    currency = b.get("currency", "USD")
    count = b.get("active_allocations")
    ctx.out.record(
        b,
        [
            ("balance", _money(b.get("balance_micros"), currency)),
            ("burn/hour", _money(b.get("burn_rate_per_hour_micros"), currency)),
            ("runway", _runway(b)),
            ("running", None if count is None else f"{count} allocation{'' if count == 1 else 's'}"),
            ("unsettled", _money(b.get("unsettled_usage_micros"), currency)),
            ("as of", b.get("as_of")),
        ],
    )
    for warning in balance_warnings(b):
        ctx.out.note(warning)


def cmd_balance(ctx: Context) -> int:
    _balance_record(ctx, ctx.authed().balance())
    return 0


def _topup_entry(entries: Iterable[LedgerEntry], seen: Collection[str], session_id: str, amount: int) -> Any:
    """The ledger entry of this checkout's payment: a top-up that was not there before and names the
    checkout session (its id or cause), else one that credits its amount."""
    new = [e for e in entries if e.get("kind") == "topup" and e.get("id") not in seen]
    named = [e for e in new if session_id in json.dumps(e)]
    same_amount = [e for e in new if e.get("wallet_delta_micros") == amount]
    return (named or same_amount or [None])[0]


def _newest_entries(client: Client) -> list[LedgerEntry]:
    return list(islice(client.ledger(limit=DEFAULT_LEDGER_LIMIT), DEFAULT_LEDGER_LIMIT))


def _complete_checkout(ctx: Context, client: Client, checkout: Mapping[str, Any]) -> int:
    """Pay through the local stage's dev route, wait for the credit to reach the ledger, show the balance."""
    a = ctx.args
    session_id, amount = str(checkout["checkout_session_id"]), int(checkout["amount_micros"])
    seen = {str(e.get("id")) for e in _newest_entries(client)}
    try:
        client.dev_complete_checkout(session_id)
    except ApiError as exc:
        if exc.code == "ROUTE_NOT_FOUND":
            raise GpuaasError(
                f"--complete works on the local stage only (no dev payment route at {ctx.api_url}); "
                f"pay at {checkout.get('url')}"
            ) from exc
        raise
    deadline = client.clock() + a.timeout
    interval = 0.2
    while (entry := _topup_entry(_newest_entries(client), seen, session_id, amount)) is None:
        remaining = deadline - client.clock()
        if remaining <= 0:
            ctx.out.note(
                f"error: the payment is complete but its credit is not in the ledger after {a.timeout:g}s; "
                "it may still arrive: gpuaas balance"
            )
            return 1
        client.sleep(min(interval, remaining))
        interval = min(interval * 1.5, 2.0)
    balance = client.balance()
    if ctx.out.as_json:
        ctx.out.json({"checkout": checkout, "entry": entry, "balance": balance})
        for warning in balance_warnings(balance):
            ctx.out.note(warning)
        return 0
    currency = balance.get("currency", checkout.get("currency", "USD"))
    ctx.out.line(f"Topped up {format_micros(entry['wallet_delta_micros'], currency)} ({session_id}).")
    _balance_record(ctx, balance)
    return 0


def cmd_topup(ctx: Context) -> int:
    a = ctx.args
    client = ctx.authed()
    checkout = client.checkout(
        a.amount, success_url=a.success_url, cancel_url=a.cancel_url, idempotency_key=a.idempotency_key
    )
    if a.complete:
        return _complete_checkout(ctx, client, checkout)
    if ctx.out.as_json:
        ctx.out.json(checkout)
    else:
        amount = format_micros(checkout.get("amount_micros", a.amount), checkout.get("currency", "USD"))
        ctx.out.line(f"Pay {amount} to top up: {checkout.get('url')}")
        ctx.out.note("The balance rises once the payment succeeds: gpuaas balance")
    return 0


def _usage_time(seconds: int | None) -> str | None:
    return None if seconds is None else format_duration(seconds)


def cmd_usage(ctx: Context) -> int:
    a = ctx.args
    if a.since and a.until and a.since > a.until:
        raise UsageError(f"--since {a.since} is after --until {a.until}")
    if a.csv and ctx.out.as_json:
        raise UsageError("--csv and --json do not go together")
    client = ctx.authed()
    if a.csv:
        ctx.out.out.write(client.usage_csv(a.since, a.until))
        return 0
    usage: dict[str, Any] = dict(client.usage(a.since, a.until))
    if ctx.out.as_json:
        ctx.out.json(usage)
        return 0
    # The usage report names no currency: the wallet's is the org's one currency.
    currency = usage.get("currency") or client.balance().get("currency", "USD")
    if a.by == "allocation":
        columns: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
            ("ALLOCATION", lambda u: u.get("allocation_id")),
            ("SKU", lambda u: u.get("sku_id")),
            ("TIME", lambda u: _usage_time(u.get("seconds"))),
            ("SECONDS", lambda u: u.get("seconds")),
            ("COST", lambda u: _money(u.get("micros"), currency)),
        ]
        ctx.out.table(list(usage.get("by_allocation") or []), columns)
    else:
        columns = [
            ("DAY", lambda u: u.get("day")),
            ("TIME", lambda u: _usage_time(u.get("seconds"))),
            ("SECONDS", lambda u: u.get("seconds")),
            ("COST", lambda u: _money(u.get("micros"), currency)),
        ]
        ctx.out.table(list(usage.get("by_day") or []), columns)
    ctx.out.line(
        f"Total {usage.get('from')} to {usage.get('to')}: {format_micros(usage.get('total_micros') or 0, currency)} "
        f"for {format_duration(usage.get('total_seconds') or 0)} of use."
    )
    return 0


LEDGER_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("AT", lambda e: e.get("at")),
    ("KIND", lambda e: e.get("kind")),
    ("AMOUNT", lambda e: format_signed_micros(e.get("wallet_delta_micros") or 0, e.get("currency", "USD"))),
    ("DESCRIPTION", lambda e: e.get("description")),
    ("ALLOCATION", lambda e: e.get("allocation_id")),
    ("ID", lambda e: e.get("id")),
]


def ledger_csv(entries: Iterable[Mapping[str, Any]]) -> str:
    """Entries as the API's CSV export writes them (the same columns), spanning any number of pages."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LEDGER_CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(entries)
    return out.getvalue()


def cmd_ledger(ctx: Context) -> int:
    a = ctx.args
    if a.csv and ctx.out.as_json:
        raise UsageError("--csv and --json do not go together")
    limit = None if a.all else a.limit
    client = ctx.authed()
    # Pages of --limit entries (the API caps a page: then more pages, stopping at --limit).
    pages = client.ledger(since=a.since, until=a.until, limit=limit or LEDGER_PAGE_SIZE)
    entries = list(pages if limit is None else islice(pages, limit))
    if a.csv:
        ctx.out.out.write(ledger_csv(entries))
    else:
        ctx.out.table(list(map(dict, entries)), LEDGER_COLUMNS)
    return 0


def cmd_statement(ctx: Context) -> int:
    statement: dict[str, Any] = dict(ctx.authed().statement(ctx.args.month))
    if ctx.out.as_json:
        ctx.out.json(statement)
        return 0
    currency = statement.get("currency", "USD")
    movements = statement.get("movements_micros") or {}
    ctx.out.record(
        statement,
        [
            ("month", f"{statement.get('month')} (UTC, {currency})"),
            ("opening", _money(statement.get("opening_balance_micros"), currency)),
            *[(f"  {kind}", format_signed_micros(micros, currency)) for kind, micros in movements.items()],
            ("closing", _money(statement.get("closing_balance_micros"), currency)),
        ],
    )
    entries = list(statement.get("entries") or [])
    if entries:
        ctx.out.line()
        ctx.out.table(entries, LEDGER_COLUMNS)
    return 0


def cmd_spend_cap(ctx: Context) -> int:
    a = ctx.args
    client = ctx.authed()
    if a.action == "set":
        cap = client.set_spend_cap(a.amount)
    elif a.action == "clear":
        cap = client.set_spend_cap(None)
    else:
        cap = client.spend_cap()
    if ctx.out.as_json:
        ctx.out.json(cap)
        return 0
    micros = cap.get("daily_cap_micros")
    if micros is None:
        ctx.out.line("No daily spend cap." if a.action != "clear" else "Cleared the daily spend cap.")
        return 0
    # The cap names no currency: the wallet's is the org's one currency.
    currency = client.balance().get("currency", "USD")
    who = f" (set by {cap['updated_by']} at {cap['updated_at']})" if cap.get("updated_by") else ""
    ctx.out.line(f"Daily spend cap: {format_micros(micros, currency)}{who}; new allocations stop at it.")
    return 0


# Parser --------------------------------------------------------------------------------------


def _common(defaults: bool) -> argparse.ArgumentParser:
    """The global options, accepted before or after the command (``gpuaas whoami --json``)."""
    p = argparse.ArgumentParser(add_help=False)
    suppress = argparse.SUPPRESS
    p.add_argument(
        "--api-url",
        default=None if defaults else suppress,
        help=f"API base URL (default: $GPUAAS_API_URL, the profile's, or {DEFAULT_API_URL})",
    )
    p.add_argument("--profile", default="default" if defaults else suppress, help="credentials profile")
    p.add_argument("--json", action="store_true", default=False if defaults else suppress, help="print raw JSON")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common(False)
    parser = argparse.ArgumentParser(prog="gpuaas", description="GPUaaS command line", parents=[_common(True)])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    login = commands.add_parser("login", parents=[common], help="sign in and store credentials")
    how = login.add_mutually_exclusive_group(required=True)
    how.add_argument("--dev", action="store_true", help="the local stage's dev issuer (any user, org and role)")
    how.add_argument("--api-key", action="store_true", help="an API key from $GPUAAS_API_KEY or a hidden prompt")
    how.add_argument("--oidc-token", metavar="TOKEN", help="exchange an OIDC token from the configured issuer")
    login.add_argument("--user", help="with --dev: the user")
    login.add_argument("--org", help="with --dev: the org (created on demand)")
    login.add_argument("--role", default="owner", choices=["operator", *ROLES], help="with --dev (default: owner)")
    login.add_argument("--org-id", help="with --oidc-token: the org to act in")
    login.set_defaults(func=cmd_login)

    logout = commands.add_parser("logout", parents=[common], help="end the session and forget the credentials")
    logout.add_argument("--everywhere", action="store_true", help="end every session of this user")
    logout.set_defaults(func=cmd_logout)

    whoami = commands.add_parser("whoami", parents=[common], help="the signed-in user, org and role")
    whoami.set_defaults(func=cmd_whoami)

    keys = commands.add_parser("api-keys", parents=[common], help="the org's API keys")
    key_actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    key_actions.add_parser("list", parents=[common], help="list the keys")
    create = key_actions.add_parser("create", parents=[common], help="create a key (the secret shows once)")
    create.add_argument("name")
    create.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        metavar="SCOPE",
        help="read, write or an action such as members:read; repeat for more (default: read)",
    )
    create.add_argument("--expires-in-days", type=_positive_int, metavar="N")
    revoke = key_actions.add_parser("revoke", parents=[common], help="revoke a key")
    revoke.add_argument("key_id")
    keys.set_defaults(func=cmd_api_keys)

    members = commands.add_parser("members", parents=[common], help="the org's members and roles")
    member_actions = members.add_subparsers(dest="action", metavar="ACTION", required=True)
    member_actions.add_parser("list", parents=[common], help="list the members")
    add = member_actions.add_parser("add", parents=[common], help="add a user who has signed in once")
    add.add_argument("user_id")
    add.add_argument("--role", required=True, choices=ROLES)
    set_role = member_actions.add_parser("set-role", parents=[common], help="change a member's role")
    set_role.add_argument("user_id")
    set_role.add_argument("role", choices=ROLES)
    remove = member_actions.add_parser("remove", parents=[common], help="remove a member")
    remove.add_argument("user_id")
    members.set_defaults(func=cmd_members)

    ssh = commands.add_parser("ssh-keys", parents=[common], help="your SSH public keys")
    ssh_actions = ssh.add_subparsers(dest="action", metavar="ACTION", required=True)
    ssh_actions.add_parser("list", parents=[common], help="list your keys")
    ssh_add = ssh_actions.add_parser("add", parents=[common], help="add a public key from a file")
    ssh_add.add_argument("name")
    ssh_add.add_argument("public_key_file", nargs="?", default="~/.ssh/id_ed25519.pub", metavar="FILE")
    ssh_delete = ssh_actions.add_parser("delete", parents=[common], help="delete a key")
    ssh_delete.add_argument("key_id")
    ssh.set_defaults(func=cmd_ssh_keys)

    skus = commands.add_parser("skus", parents=[common], help="the public catalog")
    skus.add_argument("--region")
    skus.add_argument("--gpu-model")
    skus.add_argument("--min-gpus", type=_positive_int, metavar="N")
    skus.add_argument("--max-price-per-hour", type=_price_arg, metavar="USD", help="e.g. 2.49 (dollars per hour)")
    skus.add_argument("--available", action="store_true", help="only SKUs with a free slot")
    skus.set_defaults(func=cmd_skus)

    images = commands.add_parser("os-images", parents=[common], help="the OS images an allocation can boot")
    images.set_defaults(func=cmd_os_images)

    allocations = commands.add_parser("allocations", parents=[common], help="rent GPU slots and give them back")
    alloc_actions = allocations.add_subparsers(dest="action", metavar="ACTION", required=True)
    alloc_create = alloc_actions.add_parser(
        "create",
        parents=[common],
        help="rent slots of a SKU (--wait: until active)",
        description="Rent --count slots of a SKU, all on one node. With --wait, show each change of state "
        "with the seconds since the start, exit 0 once active (printing how to connect), 1 if it fails "
        "or the wait times out (the allocation carries on).",
    )
    alloc_create.add_argument("--sku", required=True, metavar="SKU", help="a SKU id or name (gpuaas skus)")
    alloc_create.add_argument(
        "--image", required=True, metavar="OS_IMAGE", help="an OS image id or name (gpuaas os-images)"
    )
    alloc_create.add_argument("--count", type=_positive_int, default=1, metavar="N", help="slots (default: 1)")
    alloc_create.add_argument(
        "--ssh-key",
        dest="ssh_keys",
        action="append",
        metavar="KEY",
        help="an SSH key id or name to install; repeat for more (default: all your keys)",
    )
    alloc_create.add_argument("--name", help="lowercase letters, digits and dashes")
    alloc_create.add_argument("--wait", action="store_true", help="show progress and wait until it is active")
    alloc_create.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"with --wait: give up waiting after this long (default: {DEFAULT_WAIT_SECONDS})",
    )
    alloc_create.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="the same key makes a retried create rent once (default: a fresh UUID)",
    )
    alloc_list = alloc_actions.add_parser("list", parents=[common], help="the org's allocations, newest first")
    alloc_list.add_argument("--state", choices=ALLOCATION_STATES)
    alloc_get = alloc_actions.add_parser("get", parents=[common], help="one allocation and how to connect")
    alloc_get.add_argument("allocation_id")
    alloc_release = alloc_actions.add_parser(
        "release", parents=[common], help="give the slots back (--wait: until released)"
    )
    alloc_release.add_argument("allocation_id")
    alloc_release.add_argument("--wait", action="store_true", help="show progress and wait until it is released")
    alloc_release.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"with --wait (default: {DEFAULT_WAIT_SECONDS})",
    )
    alloc_events = alloc_actions.add_parser("events", parents=[common], help="an allocation's history")
    alloc_events.add_argument("allocation_id")
    allocations.set_defaults(func=cmd_allocations)

    balance = commands.add_parser(
        "balance",
        parents=[common],
        help="the org's balance, burn per hour and runway",
        description="The balance now (settled, less what is used and not yet settled), what the active "
        "allocations burn per hour and how long the balance lasts at that burn. Warns (on stderr) when the "
        "org is frozen or its balance ran out.",
    )
    balance.set_defaults(func=cmd_balance)

    topup = commands.add_parser(
        "topup",
        parents=[common],
        help="add money: open a checkout and print where to pay",
        description="Open a checkout for AMOUNT (in currency units: 25 or 25.50) and print the URL to pay at; "
        "the balance rises once the payment succeeds. --complete (the local stage only) pays it through "
        "the dev payment route, waits for the credit and shows the new balance.",
    )
    topup.add_argument("amount", type=_topup_amount_arg, metavar="AMOUNT", help="e.g. 25 or 25.50")
    topup.add_argument("--complete", action="store_true", help="local stage: pay it now through the dev route")
    topup.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TOPUP_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"with --complete: wait this long for the credit (default: {DEFAULT_TOPUP_WAIT_SECONDS})",
    )
    topup.add_argument("--success-url", metavar="URL", help="where the payment page sends you after paying")
    topup.add_argument("--cancel-url", metavar="URL", help="where it sends you if you cancel")
    topup.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="the same key makes a retried top-up open one checkout (default: a fresh UUID)",
    )
    topup.set_defaults(func=cmd_topup)

    usage = commands.add_parser(
        "usage",
        parents=[common],
        help="what was used and charged, per day or per allocation",
        description="Seconds of use and charges for days --since to --until (inclusive, UTC; by default the "
        "last 30 days), per day or per allocation. --csv prints the API's rows (day x allocation) as CSV.",
    )
    usage.add_argument("--since", type=_day_arg, metavar="DAY", help="first day, YYYY-MM-DD")
    usage.add_argument("--until", type=_day_arg, metavar="DAY", help="last day, YYYY-MM-DD")
    usage.add_argument("--by", choices=("day", "allocation"), default="day", help="group by (default: day)")
    usage.add_argument("--csv", action="store_true", help="print CSV")
    usage.set_defaults(func=cmd_usage)

    ledger = commands.add_parser(
        "ledger",
        parents=[common],
        help="the org's ledger: every change of the balance, newest first",
    )
    ledger_size = ledger.add_mutually_exclusive_group()
    ledger_size.add_argument(
        "--limit",
        type=_positive_int,
        default=DEFAULT_LEDGER_LIMIT,
        metavar="N",
        help=f"the newest N entries (default: {DEFAULT_LEDGER_LIMIT})",
    )
    ledger_size.add_argument("--all", action="store_true", help="every entry")
    ledger.add_argument("--since", type=_time_arg, metavar="TIME", help="from (a day or a UTC time), inclusive")
    ledger.add_argument("--until", type=_time_arg, metavar="TIME", help="to (a day or a UTC time), exclusive")
    ledger.add_argument("--csv", action="store_true", help="print CSV (the columns of the API's export)")
    ledger.set_defaults(func=cmd_ledger)

    statement = commands.add_parser(
        "statement", parents=[common], help="a month's opening balance, movements and closing balance"
    )
    statement.add_argument("month", type=_month_arg, metavar="MONTH", help="YYYY-MM (UTC)")
    statement.set_defaults(func=cmd_statement)

    spend_cap = commands.add_parser(
        "spend-cap",
        parents=[common],
        help="the org's daily spend cap (show, set, clear)",
        description="Show the daily spend cap, or (owners) set or clear it. New allocations stop at it.",
    )
    cap_actions = spend_cap.add_subparsers(dest="action", metavar="ACTION")
    cap_actions.add_parser("show", parents=[common], help="show it (the default)")
    cap_set = cap_actions.add_parser("set", parents=[common], help="set it, in currency units per day")
    cap_set.add_argument("amount", type=_amount_arg, metavar="AMOUNT", help="e.g. 10 or 10.50 (0: no new spend)")
    cap_actions.add_parser("clear", parents=[common], help="remove it")
    spend_cap.set_defaults(func=cmd_spend_cap, action="show")

    ssh_to = commands.add_parser(
        "ssh",
        parents=[common],
        help="ssh into an active allocation",
        description="Run `ssh -p PORT USER@HOST [SSH_ARG ...]` for an active allocation. "
        "Arguments after `--` go to ssh: gpuaas ssh ALLOCATION_ID -- -L 8888:localhost:8888",
    )
    ssh_to.add_argument("allocation_id")
    ssh_to.add_argument("--print", action="store_true", help="print the ssh command instead of running it")
    ssh_to.add_argument("ssh_args", nargs="*", metavar="SSH_ARG", help="after --: passed on to ssh")
    ssh_to.set_defaults(func=cmd_ssh)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args``, except that everything after ``--`` goes to ``gpuaas ssh`` as it is."""
    argv = list(argv)
    if "--" in argv:
        split = argv.index("--")
        if "ssh" in argv[:split]:
            args = parser.parse_args(argv[:split])
            if args.command == "ssh":
                args.ssh_args = [*args.ssh_args, *argv[split + 1 :]]
                return args
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parse_args(parser, sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    ctx = Context(args, Output(args.json, out, err))
    try:
        return args.func(ctx)
    except UsageError as exc:
        print(f"gpuaas: error: {exc}", file=err)
        return 2
    except (GpuaasError, CredentialsError) as exc:
        print_error(err, exc if isinstance(exc, GpuaasError) else GpuaasError(str(exc)))
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130


if __name__ == "__main__":
    sys.exit(main())
