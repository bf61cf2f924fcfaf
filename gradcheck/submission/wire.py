"""Messages between the grader and a sandboxed submission: plain data only.

A message is a JSON header plus named numeric arrays, each sent as dtype, shape
and raw bytes and rebuilt with ``np.frombuffer`` (numeric dtypes only): nothing
that crosses the boundary can run code in the reader. Frames are length-prefixed
and capped.
"""
from __future__ import annotations

import json
import socket
import struct
from typing import Any

import numpy as np

MAX_MESSAGE = 256 * 1024 * 1024  # bytes; a bigger frame is refused, not read
_LENGTH = struct.Struct("!Q")


class WireError(Exception):
    """The other side sent something that is not a valid message, or went away."""


def _decode_array(spec: dict, data: bytes) -> np.ndarray:
    dtype = np.dtype(str(spec["dtype"]))
    if dtype.kind not in "fiub" or dtype.hasobject:
        raise WireError(f"refused an array of dtype {dtype}")
    shape = tuple(int(n) for n in spec["shape"])
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def send(sock: socket.socket, header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
    specs, blobs = {}, []
    for name, array in (arrays or {}).items():
        array = np.ascontiguousarray(array)
        if array.dtype.kind not in "fiub":
            raise WireError(f"refused to send an array of dtype {array.dtype}")
        blob = array.tobytes()
        specs[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "nbytes": len(blob)}
        blobs.append(blob)
    head = json.dumps({"header": header, "arrays": specs}).encode()
    payload = _LENGTH.pack(len(head)) + head + b"".join(blobs)
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
        for name, spec in meta["arrays"].items():
            length = int(spec["nbytes"])
            arrays[name] = _decode_array(spec, payload[offset:offset + length])
            offset += length
        header = meta["header"]
    except WireError:
        raise
    except Exception as exc:  # anything malformed is the sender's fault, never ours to crash on
        raise WireError(f"malformed message: {type(exc).__name__}") from None
    if not isinstance(header, dict):
        raise WireError("malformed message header")
    return header, arrays
