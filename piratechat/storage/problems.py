"""What can keep a FileStorage from opening, said in one sentence each.

- ``DatabaseLocked``: another process holds the storage's lock (a running
  server, a second server, ``piratechat evolve`` during one). The lock file,
  ``Data.fs.lock``, holds that process's id, so the sentence names it.
- ``ZeroFilledTail``: the file ends in zero bytes after its last transaction
  (a crash or a full disk while the file grew leaves such a tail). ZODB reads
  the zeros as a record and reports "object deleted, likely by simultaneous
  pack", which sends an operator the wrong way. The zeros hold no data; the
  sentence says where the last transaction ends, so the tail can be cut off.
"""

from __future__ import annotations

import os
import struct


class DatabaseProblem(RuntimeError):
    """The database cannot be opened; ``str()`` is one sentence for the operator."""


class DatabaseLocked(DatabaseProblem):
    pass


class ZeroFilledTail(DatabaseProblem):
    pass


MAGIC = b"FS21"


def locked(path: str) -> DatabaseLocked:
    """The sentence for a FileStorage whose lock another process holds."""
    try:
        with open(path + ".lock") as lock:
            holder = lock.read().strip()
    except OSError:
        holder = ""
    who = f"process {holder}" if holder.isdigit() else "another process"
    return DatabaseLocked(
        f"{path} is in use by {who} (its lock file {path}.lock says so): stop that "
        "process (a running PirateChat server, or a second one started on the same "
        "database) and try again; `piratechat history` reads without taking the lock.")


def check_tail(path: str) -> None:
    """Raise ZeroFilledTail if ``path`` ends in zero bytes after its last transaction."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return
    if size <= len(MAGIC):
        return
    with open(path, "rb") as f:
        f.seek(max(len(MAGIC), size - 8))
        if f.read(8) != b"\0" * min(8, size - len(MAGIC)):
            return  # a FileStorage ends in its last transaction's length, never 0
        end = _last_transaction_end(f, size)
    if end is None:
        raise ZeroFilledTail(
            f"{path} ends in zero bytes where its last transaction should end, and no "
            "transaction could be found before them: the file is damaged. Restore it from "
            f"a backup, or try ZODB's fsrecover: python -m ZODB.scripts.fsrecover {path} "
            f"{path}.recovered")
    raise ZeroFilledTail(
        f"{path} ends in {size - end:,} zero bytes after its last transaction (a "
        "zero-filled tail: the file grew, e.g. in a crash or on a full disk, but nothing "
        f"was written there). They hold no data: with the server stopped, keep a copy, "
        f"then cut them off with: truncate -s {end} {path}")


def _last_transaction_end(f, size: int, window: int = 1 << 20) -> int | None:
    """Where the last whole transaction ends, looking back past the zeros.

    A transaction ends with its length (8 bytes, big-endian), which its header
    repeats after the 8-byte tid: the end is where both agree."""
    start = max(len(MAGIC), size - window)
    f.seek(start)
    data = f.read(size - start)
    last = len(data.rstrip(b"\0"))
    for end in range(start + last, min(size, start + last + 8) + 1):
        if end - 8 < len(MAGIC):
            continue
        f.seek(end - 8)
        (length,) = struct.unpack(">Q", f.read(8))
        begin = end - 8 - length
        if length < 23 or begin < len(MAGIC):
            continue
        f.seek(begin + 8)
        if struct.unpack(">Q", f.read(8))[0] == length:
            return end
    return None
