"""Progress while waiting on an allocation: each change of state with the seconds since the start.

On a terminal a live Rich display (a spinner, the states so far and the clock of the current one,
redrawn a few times a second); otherwise (a pipe, a log file) each change is a line of its own
(``provisioning 0.4s``), which is what scripts and logs want.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from gpuaas_client.sdk import Allocation


def format_step(state: str, seconds: float) -> str:
    """``("active", 1.23)`` -> ``"active 1.2s"``."""
    return f"{state} {seconds:.1f}s"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """An allocation's state changes as they happen, each with the seconds since ``started``.

    With ``tty`` one line is rewritten in place (``pending 0.0s -> provisioning 0.4s -> active 1.2s``);
    otherwise each change is a line of its own. Call :meth:`done` at the end.
    """

    def __init__(
        self,
        stream: IO[str],
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

    def __call__(self, allocation: Allocation) -> None:
        self.update(allocation.state)

    def update(self, state: str) -> None:
        if self.steps and self.steps[-1][0] == state:
            return
        self.steps.append((state, max(0.0, self.clock() - self.started)))
        self.show()

    def show(self) -> None:
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


class SilentProgress(Progress):
    """Keeps the steps (for the elapsed time) and prints nothing: ``--quiet``."""

    def show(self) -> None:
        pass


class LiveProgress(Progress):
    """A live Rich display on a terminal: the states so far and a ticking clock for the current one."""

    def __init__(self, console: Console, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(console.file, tty=True, clock=clock)
        self.console = console
        self._spinner = Spinner("dots", style="cyan")
        self._live: Live | None = None

    def __rich__(self) -> RenderableType:
        text = Text()
        for state, seconds in self.steps[:-1]:
            text.append(format_step(state, seconds), style="dim")
            text.append(" -> ", style="dim")
        if self.steps:
            state, _ = self.steps[-1]
            style = {"active": "green", "released": "green", "failed": "red"}.get(state, "bold")
            text.append(format_step(state, max(0.0, self.clock() - self.started)), style=style)
        self._spinner.update(text=text)
        return self._spinner

    def show(self) -> None:
        if self._live is None:
            self._live = Live(self, console=self.console, refresh_per_second=8, transient=True)
            self._live.start()
        else:
            self._live.refresh()

    def done(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            self.console.print(Text(self.line()))


def make_progress(console: Console, *, quiet: bool) -> Progress:
    """The display that fits where stderr goes."""
    if quiet:
        return SilentProgress(console.file, tty=False)
    if console.is_terminal and not console.is_dumb_terminal:
        return LiveProgress(console)
    return Progress(console.file, tty=console.is_terminal)
