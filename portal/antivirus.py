"""The antivirus hook: a small client of clamd (ClamAV's daemon) that sends an uploaded file
with the INSTREAM command and reads the verdict.

Configuration (``portal/settings.py``):

- ``CLAMD_ADDRESS``: ``"host:port"`` (TCP, e.g. ``"127.0.0.1:3310"``) or ``"unix:/path"``
  (a Unix socket, e.g. ``"unix:/run/clamav/clamd.ctl"``). Not set: no scan at all, the
  other checks of ``applications.uploads`` still apply (a development machine, the tests).
- ``CLAMD_TIMEOUT``: seconds allowed for the whole exchange (connection, sending, verdict).

Once configured, the portal fails closed: a clamd that cannot be reached, that answers late
or answers something this client does not understand (an ``INSTREAM size limit exceeded``
error, for instance: clamd's ``StreamMaxLength`` must exceed the calls' largest limit) makes
``scan`` raise ``ScanUnavailable``, and the upload is refused with a "try again later"
message.

The protocol (clamd(8)): the client sends ``zINSTREAM\\0``, then the file in chunks each
prefixed by its length as a 4-byte big-endian integer, then a zero-length chunk; clamd
answers ``stream: OK\\0`` or ``stream: <signature> FOUND\\0`` (or ``... ERROR\\0``).
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

from django.conf import settings

CHUNK_SIZE = 64 * 1024
REPLY_LIMIT = 4096
DEFAULT_TIMEOUT = 30.0


class ScanUnavailable(Exception):
    """clamd is configured but gave no verdict (unreachable, too slow, an error reply)."""


@dataclass(frozen=True)
class Verdict:
    """What clamd said: ``infected`` with the signature's name, or clean."""

    infected: bool
    signature: str = ""


def configured_address() -> str:
    return (getattr(settings, "CLAMD_ADDRESS", None) or "").strip()


def is_configured() -> bool:
    return bool(configured_address())


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("unix:"):
        path = address[len("unix:") :]
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except BaseException:
            sock.close()
            raise
        return sock
    host, separator, port = address.rpartition(":")
    if not separator or not port.isdigit():
        raise ScanUnavailable(f"CLAMD_ADDRESS is neither host:port nor unix:/path: {address!r}")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


class _Deadline:
    """The time left for the whole exchange, applied to the socket before each step."""

    def __init__(self, sock: socket.socket, seconds: float):
        self.sock = sock
        self.end = time.monotonic() + seconds

    def arm(self) -> None:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("clamd did not answer in time")
        self.sock.settimeout(left)


def _chunks(fileobj):
    if hasattr(fileobj, "chunks"):
        yield from fileobj.chunks(CHUNK_SIZE)
        return
    while chunk := fileobj.read(CHUNK_SIZE):
        yield chunk


def _read_reply(sock: socket.socket, deadline: _Deadline) -> bytes:
    reply = b""
    while b"\0" not in reply and len(reply) < REPLY_LIMIT:
        deadline.arm()
        data = sock.recv(REPLY_LIMIT)
        if not data:
            break
        reply += data
    return reply.split(b"\0", 1)[0].strip()


def parse_reply(reply: bytes) -> Verdict:
    """``stream: OK`` → clean; ``stream: <signature> FOUND`` → infected; anything else
    raises ``ScanUnavailable``."""
    text = reply.decode("utf-8", "replace").strip()
    _, _, verdict = text.partition(": ")
    if text.startswith("stream") and verdict == "OK":
        return Verdict(infected=False)
    if text.startswith("stream") and verdict.endswith(" FOUND"):
        return Verdict(infected=True, signature=verdict[: -len(" FOUND")].strip())
    raise ScanUnavailable(f"unexpected clamd reply: {text[:200]!r}")


def scan(fileobj, *, address: str | None = None, timeout: float | None = None) -> Verdict:
    """Send ``fileobj`` (an uploaded file, or any binary file object; read from its start
    and left at its start) to clamd and return its verdict. Raises ``ScanUnavailable``
    when no verdict comes within ``timeout`` seconds (the whole exchange)."""
    address = address or configured_address()
    if not address:
        raise ScanUnavailable("CLAMD_ADDRESS is not configured")
    if timeout is None:
        timeout = float(getattr(settings, "CLAMD_TIMEOUT", DEFAULT_TIMEOUT))
    fileobj.seek(0)
    try:
        sock = _connect(address, timeout)
        with sock:
            deadline = _Deadline(sock, timeout)
            deadline.arm()
            sock.sendall(b"zINSTREAM\0")
            for chunk in _chunks(fileobj):
                for start in range(0, len(chunk), CHUNK_SIZE):
                    piece = chunk[start : start + CHUNK_SIZE]
                    deadline.arm()
                    sock.sendall(struct.pack("!L", len(piece)) + piece)
            deadline.arm()
            sock.sendall(struct.pack("!L", 0))
            reply = _read_reply(sock, deadline)
    except OSError as error:  # refused, reset, broken pipe, timeouts (TimeoutError)
        raise ScanUnavailable(f"clamd at {address}: {error!r}") from error
    finally:
        fileobj.seek(0)
    return parse_reply(reply)
