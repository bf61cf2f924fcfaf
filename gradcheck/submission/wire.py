"""Messages between the grader and a sandboxed submission: plain data only.

A message is a JSON header plus named numeric arrays, each sent as a numpy .npy
stream and read back with ``allow_pickle=False``: nothing that crosses the
boundary can run code in the reader. Frames are length-prefixed and capped.
"""
from __future__ import annotations

import io
import json
import socket
import struct
from typing import Any

import numpy as np

MAX_MESSAGE = 256 * 1024 * 1024  # bytes; a bigger frame is refused, not read
_LENGTH = struct.Struct("!Q")


class WireError(Exception):
    """The other side sent something that is not a valid message, or went away."""


def _encode_array(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _decode_array(data: bytes) -> np.ndarray:
    array = np.load(io.BytesIO(data), allow_pickle=False)
    if array.dtype.kind not in "fiub":
        raise WireError(f"refused an array of dtype {array.dtype}")
    return array


def send(sock: socket.socket, header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
    blobs = {name: _encode_array(a) for name, a in (arrays or {}).items()}
    head = json.dumps({"header": header, "arrays": {n: len(b) for n, b in blobs.items()}}).encode()
    payload = _LENGTH.pack(len(head)) + head + b"".join(blobs.values())
    sock.sendall(_LENGTH.pack(len(payload)) + payload)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise WireError("the other side closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """One message; WireError on EOF, an oversized frame or malformed content.

    A socket timeout (``socket.timeout``) propagates: the caller decides what a silence means.
    """
    (size,) = _LENGTH.unpack(_read_exactly(sock, _LENGTH.size))
    if size > MAX_MESSAGE:
        raise WireError(f"refused a message of {size} bytes")
    payload = _read_exactly(sock, size)
    try:
        (head_size,) = _LENGTH.unpack_from(payload)
        meta = json.loads(payload[_LENGTH.size:_LENGTH.size + head_size])
        offset = _LENGTH.size + head_size
        arrays = {}
        for name, length in meta["arrays"].items():
            arrays[name] = _decode_array(payload[offset:offset + int(length)])
            offset += int(length)
        header = meta["header"]
    except WireError:
        raise
    except Exception as exc:  # anything malformed is the sender's fault, never ours to crash on
        raise WireError(f"malformed message: {type(exc).__name__}") from None
    if not isinstance(header, dict):
        raise WireError("malformed message header")
    return header, arrays
