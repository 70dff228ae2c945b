"""One end of a terminal session's byte stream over the relay: numbering, keeping and ordering ``data`` frames.

The protocol is doc/terminal.md's. This module does no I/O: the caller hands it bytes to send and frames that
arrived, and sends the frames it returns. The node agent and the client each carry an identical copy of this
file (``gpuaas_agent.terminal.stream``, ``gpuaas_client.terminal.stream``; a test keeps them identical), so
that each package installs on its own and neither imports the other.

- Sending: :meth:`Stream.send` splits bytes into ``data`` frames of at most ``MAX_DATA_BYTES`` (base64 in the
  frame), numbers them from 1 and keeps each until the peer acknowledges it. :attr:`Stream.writable` is false
  while the kept bytes exceed the bound: the caller stops reading its source (the PTY, the socket, stdin)
  until acknowledgements make room, so nothing is dropped and the buffer stays bounded.
- Receiving: :meth:`Stream.receive` applies a ``data`` frame whose ``seq`` is the next one expected, ignores
  one already applied (a resend), holds one that came early (bounded) until the gap fills, and acknowledges
  every ``ACK_EVERY_FRAMES`` frames or ``ACK_EVERY_BYTES`` bytes (and on :meth:`Stream.tick` when anything is
  unacknowledged).
- Reconnecting: after each (re)connect a side sends :meth:`Stream.hello` (the last ``seq`` it applied) and
  :meth:`Stream.unacked` (everything the peer has not acknowledged; duplicates are ignored there). A ``hello``
  received is answered by resending every kept frame after its ``ack``; a gap that outlives a tick is asked
  for again with a ``hello``. Each side's ``hello`` names its stream (``stream``: a random id per process):
  a peer whose stream changed (its process restarted) starts receiving from ``seq`` 1 again, so this side
  renumbers what it still keeps from 1, restarts its own count of what it received, and says ``hello`` back.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

MAX_DATA_BYTES = 16 * 1024  # bytes per data frame before base64 (doc/terminal.md: frames of at most 32 KB)
MAX_FRAME_CHARS = 32 * 1024  # the relay's frame limit, for the JSON text of one frame
ACK_EVERY_FRAMES = 64
ACK_EVERY_BYTES = 256 * 1024
DEFAULT_BUFFER_BYTES = 1024 * 1024  # unacknowledged bytes kept before the source is paused
DEFAULT_REORDER_FRAMES = 256  # early frames held while a gap fills

Frame = dict[str, Any]


class FrameError(ValueError):
    """A frame that breaks the protocol (a bad seq, bad base64, too many bytes); the session goes on."""


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode(text: Any) -> bytes:
    if not isinstance(text, str) or len(text) > (MAX_DATA_BYTES + 2) // 3 * 4:
        raise FrameError("data must be base64 of at most 16 KB")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise FrameError(f"data is not base64: {exc}") from None


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError(f"{what} must be a non-negative integer")
    return value


@dataclass
class Received:
    """What one frame that arrived means: the bytes to deliver, in order, and the frames to send back."""

    data: bytes = b""
    replies: list[Frame] = field(default_factory=list)


class Stream:
    """One side's half of a session: what it sends (numbered, kept until acknowledged) and what it receives."""

    def __init__(
        self,
        *,
        buffer_bytes: int = DEFAULT_BUFFER_BYTES,
        reorder_frames: int = DEFAULT_REORDER_FRAMES,
        stream_id: str | None = None,
    ) -> None:
        self.stream_id = stream_id or secrets.token_hex(8)
        self.buffer_bytes = buffer_bytes
        self.reorder_frames = reorder_frames
        # Sending.
        self.sent_seq = 0  # the last seq given out
        self.kept: deque[tuple[int, bytes]] = deque()
        self.kept_bytes = 0
        # Receiving.
        self.received_seq = 0  # the last seq applied
        self.early: dict[int, bytes] = {}
        self.acked_seq = 0  # the last seq this side acknowledged
        self.unacked_bytes = 0
        self.peer_stream: str | None = None
        self._gap_ticks = 0

    # Sending ---------------------------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """Whether the caller may read more from its source: the kept bytes are under the bound."""
        return self.kept_bytes < self.buffer_bytes

    def send(self, data: bytes) -> list[Frame]:
        """``data`` as numbered ``data`` frames (kept until acknowledged), to send now."""
        frames = []
        for start in range(0, len(data), MAX_DATA_BYTES):
            chunk = data[start : start + MAX_DATA_BYTES]
            self.sent_seq += 1
            self.kept.append((self.sent_seq, chunk))
            self.kept_bytes += len(chunk)
            frames.append(self._data(self.sent_seq, chunk))
        return frames

    def unacked(self, after: int | None = None) -> list[Frame]:
        """Every kept frame (after ``after``), to send again."""
        return [self._data(seq, chunk) for seq, chunk in self.kept if after is None or seq > after]

    def _prune(self, ack: int) -> None:
        while self.kept and self.kept[0][0] <= ack:
            _, chunk = self.kept.popleft()
            self.kept_bytes -= len(chunk)

    def _renumber(self) -> None:
        """The peer's process restarted and expects seq 1 again: what is still kept goes out as 1, 2, ..."""
        chunks = [chunk for _, chunk in self.kept]
        self.kept = deque((seq, chunk) for seq, chunk in enumerate(chunks, start=1))
        self.sent_seq = len(chunks)

    @staticmethod
    def _data(seq: int, chunk: bytes) -> Frame:
        return {"type": "data", "seq": seq, "data": encode(chunk)}

    # Receiving -------------------------------------------------------------------------------------------

    def hello(self) -> Frame:
        """The frame to send after every (re)connect: the last seq applied, and this side's stream."""
        self.acked_seq = self.received_seq
        self.unacked_bytes = 0
        return {"type": "hello", "ack": self.received_seq, "stream": self.stream_id}

    def ack(self) -> Frame:
        self.acked_seq = self.received_seq
        self.unacked_bytes = 0
        return {"type": "ack", "ack": self.received_seq}

    def receive(self, frame: Frame) -> Received:
        """Apply one ``data``, ``ack`` or ``hello`` frame (other types are the caller's); raises
        :class:`FrameError` for one that breaks the protocol (the caller logs it and goes on)."""
        kind = frame.get("type")
        if kind == "data":
            return self._receive_data(frame)
        if kind == "ack":
            ack = _count(frame.get("ack"), "ack")
            self._prune(min(ack, self.sent_seq))
            return Received()
        if kind == "hello":
            return self._receive_hello(frame)
        raise FrameError(f"not a stream frame: {kind!r}")

    def _receive_hello(self, frame: Frame) -> Received:
        ack = _count(frame.get("ack"), "ack")
        stream = frame.get("stream")
        replies: list[Frame] = []
        if isinstance(stream, str) and stream != self.peer_stream:
            restarted = self.peer_stream is not None
            self.peer_stream = stream
            if restarted:
                self.received_seq = 0
                self.early.clear()
                self._renumber()
                replies.append(self.hello())
        ack = min(ack, self.sent_seq)
        self._prune(ack)
        replies.extend(self.unacked(ack))
        return Received(b"", replies)

    def _receive_data(self, frame: Frame) -> Received:
        seq = _count(frame.get("seq"), "seq")
        chunk = decode(frame.get("data"))
        if len(chunk) > MAX_DATA_BYTES:
            raise FrameError("a data frame carries at most 16 KB")
        if seq <= self.received_seq:
            return Received()  # applied before: a resend
        if seq > self.received_seq + 1:
            if len(self.early) < self.reorder_frames:
                self.early[seq] = chunk
                return Received()
            self.early.clear()  # too far ahead: ask for everything after the gap again
            return Received(b"", [self.hello()])
        delivered = [chunk]
        self.received_seq = seq
        while self.received_seq + 1 in self.early:
            self.received_seq += 1
            delivered.append(self.early.pop(self.received_seq))
        data = b"".join(delivered)
        self.unacked_bytes += len(data)
        if self.received_seq - self.acked_seq >= ACK_EVERY_FRAMES or self.unacked_bytes >= ACK_EVERY_BYTES:
            return Received(data, [self.ack()])
        return Received(data)

    def tick(self) -> list[Frame]:
        """Called about once a second: acknowledge what is unacknowledged, and ask again for a gap that has
        lasted a whole tick."""
        if self.early:
            self._gap_ticks += 1
            if self._gap_ticks >= 2:
                self._gap_ticks = 0
                return [self.hello()]
        else:
            self._gap_ticks = 0
        if self.received_seq > self.acked_seq:
            return [self.ack()]
        return []
