"""The terminal stream's seq/ack logic (doc/terminal.md, Frames), for both copies: the agent's and the client's."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from gpuaas_agent.terminal import stream as agent_stream
from gpuaas_client.terminal import stream as client_stream

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=[agent_stream, client_stream], ids=["agent", "client"])
def mod(request):
    return request.param


@pytest.mark.parametrize("name", ["stream.py", "link.py"])
def test_the_agent_and_the_client_carry_the_same_module(name):
    agent = (ROOT / "node_agent/gpuaas_agent/terminal" / name).read_text()
    client = (ROOT / "client/gpuaas_client/terminal" / name).read_text()
    assert agent == client, f"{name} differs: copy node_agent/gpuaas_agent/terminal/{name} to the client"


def deliver(receiver, frames):
    """Hand frames to ``receiver``; the bytes it delivered and the replies it gave."""
    data, replies = b"", []
    for frame in frames:
        got = receiver.receive(json.loads(json.dumps(frame)))  # as over the wire
        data += got.data
        replies += got.replies
    return data, replies


def test_bytes_arrive_in_order_and_once(mod):
    a, b = mod.Stream(), mod.Stream()
    frames = a.send(b"hello ") + a.send(b"world")
    assert [f["seq"] for f in frames] == [1, 2]
    data, _ = deliver(b, frames + frames)  # every frame twice: the second copies are ignored
    assert data == b"hello world"
    assert b.received_seq == 2


def test_a_frame_that_came_early_waits_for_the_gap(mod):
    a, b = mod.Stream(), mod.Stream()
    frames = [a.send(bytes([65 + i]))[0] for i in range(6)]
    shuffled = frames[:]
    random.Random(7).shuffle(shuffled)
    data, _ = deliver(b, shuffled)
    assert data == b"ABCDEF"
    assert not b.early


def test_a_gap_that_lasts_is_asked_for_again_with_hello(mod):
    a, b = mod.Stream(), mod.Stream()
    first, _second, third = (a.send(x)[0] for x in (b"1", b"2", b"3"))
    deliver(b, [first, third])  # second lost
    assert b.tick() == [{"type": "ack", "ack": 1}]
    hello = b.tick()
    assert hello == [{"type": "hello", "ack": 1, "stream": b.stream_id}]
    _, resent = deliver(a, hello)
    assert [f["seq"] for f in resent] == [2, 3]
    data, _ = deliver(b, resent)
    assert data == b"23"


def test_too_many_early_frames_drop_them_and_ask_again(mod):
    a, b = mod.Stream(), mod.Stream(reorder_frames=2)
    frames = [a.send(b"x")[0] for _ in range(5)]
    _, replies = deliver(b, frames[1:4])
    assert replies == [{"type": "hello", "ack": 0, "stream": b.stream_id}]
    _, resent = deliver(a, replies)
    data, _ = deliver(b, resent)
    assert data == b"xxxxx"


def test_hello_after_a_reconnect_resends_what_was_not_acknowledged(mod):
    a, b = mod.Stream(), mod.Stream()
    deliver(b, a.send(b"one"))
    deliver(b, a.send(b"two"))
    lost = a.send(b"three") + a.send(b"four")  # sent while the connection was down: never arrived
    assert len(lost) == 2
    _, resent = deliver(a, [b.hello()])  # b reconnects and says where it is
    assert [f["seq"] for f in resent] == [3, 4]
    data, _ = deliver(b, resent + a.unacked())  # a also resends everything on its own reconnect
    assert data == b"threefour"
    assert [seq for seq, _ in a.kept] == [3, 4]  # hello acknowledged 1 and 2


def test_acks_prune_the_kept_frames(mod):
    a, b = mod.Stream(), mod.Stream()
    for _ in range(mod.ACK_EVERY_FRAMES - 1):
        _, replies = deliver(b, a.send(b"k"))
        assert replies == []
    _, replies = deliver(b, a.send(b"k"))
    assert replies == [{"type": "ack", "ack": mod.ACK_EVERY_FRAMES}]
    deliver(a, replies)
    assert not a.kept and a.kept_bytes == 0
    deliver(b, a.send(b"tail"))
    assert b.tick() == [{"type": "ack", "ack": mod.ACK_EVERY_FRAMES + 1}]
    assert b.tick() == []  # nothing new


def test_acks_come_every_256_kb_too(mod):
    a, b = mod.Stream(buffer_bytes=10 * 1024 * 1024), mod.Stream()
    replies = []
    for _ in range(16):
        replies += deliver(b, a.send(b"z" * mod.MAX_DATA_BYTES))[1]
    assert replies == [{"type": "ack", "ack": 16}]


def test_an_ack_beyond_what_was_sent_prunes_only_what_was_sent(mod):
    a = mod.Stream()
    a.send(b"x")
    a.receive({"type": "ack", "ack": 99})
    assert not a.kept
    assert a.send(b"y")[0]["seq"] == 2


def test_the_buffer_is_bounded_and_says_when_it_is_full(mod):
    a, b = mod.Stream(buffer_bytes=64 * 1024), mod.Stream()
    frames = []
    while a.writable:
        frames += a.send(b"o" * 10_000)
    assert a.kept_bytes >= 64 * 1024
    assert a.kept_bytes < 64 * 1024 + 10_000  # the caller stops reading as soon as it is full
    deliver(b, frames)
    deliver(a, b.tick())
    assert a.writable and a.kept_bytes == 0


def test_data_is_split_into_frames_that_fit_the_relay(mod):
    a, b = mod.Stream(buffer_bytes=1 << 30), mod.Stream()
    payload = bytes(range(256)) * 4096  # 1 MiB
    frames = a.send(payload)
    assert len(frames) == len(payload) // mod.MAX_DATA_BYTES
    assert all(len(base64.b64decode(f["data"])) <= mod.MAX_DATA_BYTES for f in frames)
    assert all(len(json.dumps(f)) <= mod.MAX_FRAME_CHARS for f in frames)
    data, _ = deliver(b, frames)
    assert data == payload


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "data", "seq": 1, "data": "!!not base64"},
        {"type": "data", "seq": -1, "data": ""},
        {"type": "data", "seq": True, "data": ""},
        {"type": "data", "seq": "1", "data": ""},
        {"type": "data", "seq": 1, "data": base64.b64encode(b"x" * (16 * 1024 + 1)).decode()},
        {"type": "ack", "ack": None},
        {"type": "hello"},
        {"type": "resize", "cols": 1, "rows": 1},
    ],
)
def test_a_frame_that_breaks_the_protocol_is_refused_and_nothing_changes(mod, frame):
    b = mod.Stream()
    with pytest.raises(mod.FrameError):
        b.receive(frame)
    assert b.received_seq == 0 and not b.early


def test_a_peer_that_restarted_starts_from_one_and_gets_what_is_still_kept(mod):
    agent, client = mod.Stream(), mod.Stream()
    deliver(client, [agent.hello()])
    deliver(agent, [client.hello()])
    deliver(client, agent.send(b"before"))
    deliver(agent, client.send(b"typed"))
    deliver(client, agent.tick())  # the agent acknowledges "typed"
    client.send(b"typed while the agent was away")
    restarted = mod.Stream()  # the agent's process restarted: a new stream, counting from 1
    data, replies = deliver(client, [restarted.hello()])
    assert data == b""
    assert replies[0] == {"type": "hello", "ack": 0, "stream": client.stream_id}
    assert [f["seq"] for f in replies[1:]] == [1]  # the client's kept frame (seq 2), renumbered from 1
    assert [seq for seq, _ in client.kept] == [1]
    got, _ = deliver(restarted, replies)
    assert got == b"typed while the agent was away"
    data, _ = deliver(client, restarted.send(b"after"))
    assert data == b"after"


def test_hellos_do_not_echo_for_ever(mod):
    a, b = mod.Stream(), mod.Stream()
    _, replies = deliver(b, [a.hello()])
    assert replies == []  # a peer seen for the first time: nothing to say back
    _, replies = deliver(b, [a.hello()])
    assert replies == []
