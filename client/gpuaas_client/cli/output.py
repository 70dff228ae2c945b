"""How results print: ``--output table|json|yaml``, ``--quiet``, colour only on a terminal and never with NO_COLOR.

- ``json`` is the API's objects exactly as the API returned them (the SDK's models rendered with
  ``to_dict()``, which gives back the API's JSON) (a list command prints a JSON array of
  every item across all pages, not the page envelope), indented by 2, keys sorted: stable to diff and to
  read with ``jq``.
- ``yaml`` is the same data as YAML (keys sorted).
- ``table`` is for people. On a terminal it is a Rich table; otherwise (a pipe, a file) the same columns
  as plain text, two spaces apart, never wrapped or cut, with ``-`` for an empty cell.
- ``--quiet`` prints only the ids of what a command lists, shows, creates or changes, one a line, and
  nothing for what has no id; it drops the notes on stderr (errors and warnings stay).
Notes, warnings, errors and progress go to stderr, so stdout holds the result alone.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TextIO, runtime_checkable

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "json", "yaml")
# A column of a table: its header and what it shows of an item (an SDK model, or a dict the CLI made).
Column = tuple[str, Callable[[Any], Any]]


@runtime_checkable
class Model(Protocol):
    """What the SDK answers with: a generated model of the API's JSON."""

    def to_dict(self) -> dict[str, Any]: ...


def plain(data: Any) -> Any:
    """``data`` as JSON values: each SDK model as the JSON the API sent (``to_dict()``), inside lists and
    dicts too."""
    if isinstance(data, Model):
        return data.to_dict()
    if isinstance(data, Mapping):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    return data


def field(item: Any, name: str) -> Any:
    """An item's ``name``: a model's attribute or a dict's key (``None`` when it has none)."""
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def colour_allowed() -> bool:
    """False when NO_COLOR is set to anything (https://no-color.org)."""
    return os.environ.get("NO_COLOR", "") == ""


def make_console(stream: TextIO) -> Console:
    """A console on ``stream``: styled only when it is a terminal and NO_COLOR is unset; text is printed as
    given (no markup, emoji or highlighting of what the API returned) and never wrapped."""
    return Console(
        file=stream,
        color_system="auto" if colour_allowed() else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
    )


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _rich_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], styled: bool) -> Table:
    table = Table(
        box=None,
        pad_edge=False,
        padding=(0, 1),  # one space each side of a cell: columns two spaces apart
        show_edge=False,
        header_style="bold" if styled else "",
        expand=False,
    )
    for header in headers:
        table.add_column(Text(header), no_wrap=not styled, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(c)) for c in row))
    return table


def render_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Plain columns, left-aligned, two spaces apart, never wrapped; ``None`` prints as ``-``."""
    widths = [cell_len(h) for h in headers]
    for row in rows:
        widths = [max(w, cell_len(_cell(c))) for w, c in zip(widths, row, strict=True)]
    buffer = io.StringIO()
    # Wide enough for the widest row, so that nothing wraps or is cut.
    width = 2 * (sum(widths) + 2 * len(widths)) + 10
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False)
    console.print(_rich_table(rows, headers, styled=False))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


class Output:
    """Where and how a command prints. ``fmt`` is the output format; ``explicit`` says it came from the
    command line (``--output``/``--json``) rather than from a profile's setting."""

    def __init__(
        self, out: TextIO, err: TextIO, fmt: str = "table", *, quiet: bool = False, explicit: bool = False
    ) -> None:
        self.out = out
        self.err = err
        self.format = fmt
        self.quiet = quiet
        self.explicit = explicit
        self.console = make_console(out)
        self.err_console = make_console(err)

    @property
    def machine(self) -> bool:
        """JSON or YAML: stdout holds the data only."""
        return self.format in ("json", "yaml") and not self.quiet

    @property
    def as_json(self) -> bool:
        return self.format == "json" and not self.quiet

    @property
    def human(self) -> bool:
        return not self.machine and not self.quiet

    # Raw streams ------------------------------------------------------------------------------

    def write(self, text: str) -> None:
        """Text as it is (CSV), whatever the format."""
        self.out.write(text)

    def data(self, data: Any) -> None:
        """The data in the machine format (JSON unless YAML was asked for)."""
        data = plain(data)
        if self.format == "yaml":
            import yaml  # only what asks for YAML pays for loading it

            self.out.write(yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False))
        else:
            self.out.write(json.dumps(data, indent=2, sort_keys=True) + "\n")

    def ids(self, ids: Iterable[Any]) -> None:
        for value in ids:
            if value is not None:
                self.out.write(f"{value}\n")

    # For people ------------------------------------------------------------------------------

    def line(self, text: str = "", style: str = "") -> None:
        """A line of the result for people (not printed with --quiet)."""
        if not self.quiet:
            self.console.print(Text(text, style=style))

    def note(self, text: str) -> None:
        """Something worth knowing, on stderr; --quiet drops it."""
        if not self.quiet:
            self.err_console.print(Text(text))

    def warn(self, text: str) -> None:
        """A warning on stderr, even with --quiet."""
        self.err_console.print(Text(text, style="yellow"))

    def fail(self, text: str) -> None:
        """An ``error: ...`` line on stderr (the command then exits non-zero)."""
        if text.startswith("error"):
            head, _, rest = text.partition(":")
            self.err_console.print(Text.assemble((head, "bold red"), (":" + rest, "")))
        else:
            self.err_console.print(Text(text))

    def rows(self, items: Sequence[Any], columns: Sequence[Column]) -> None:
        """A table for people; ``(none)`` when there are no rows."""
        if not items:
            self.line("(none)")
            return
        rows = [[get(i) for _, get in columns] for i in items]
        headers = [h for h, _ in columns]
        if self.console.is_terminal:
            self.console.print(_rich_table(rows, headers, styled=True))
        else:
            self.out.write(render_table(rows, headers) + "\n")

    # Results in every format ------------------------------------------------------------------

    def table(self, items: Sequence[Any], columns: Sequence[Column], id_key: str = "id") -> None:
        if self.quiet:
            self.ids(field(i, id_key) for i in items)
        elif self.machine:
            self.data(list(items))
        else:
            self.rows(items, columns)

    def record(self, data: Any, fields: Sequence[tuple[str, Any]], id: Any = None) -> None:
        """One object (a model, or a dict): ``key:  value`` lines for people."""
        if self.quiet:
            self.ids([id])
        elif self.machine:
            self.data(data)
        else:
            width = max(len(k) for k, _ in fields) + 1
            for k, v in fields:
                self.console.print(Text.assemble((f"{k + ':':<{width}}", "bold"), f"  {_cell(v)}"))

    def result(self, data: Any, text: str | None, id: Any = None) -> None:
        """What an action did: the API's object (json/yaml), its id (--quiet) or a sentence."""
        if self.quiet:
            self.ids([id])
        elif self.machine:
            self.data(data)
        elif text is not None:
            self.line(text)
