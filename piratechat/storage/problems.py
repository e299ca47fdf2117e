"""What can keep a FileStorage from opening, said in one sentence each.

- ``DatabaseLocked``: another process holds the storage's lock (a running
  server, a second server, ``piratechat evolve`` during one). The lock file,
  ``Data.fs.lock``, holds that process's id, so the sentence names it.
- ``DamagedTail``: the file does not end where a transaction ends: after its
  last whole transaction come bytes that are none (a crash or a full disk while
  the file grew leaves zeros; a bad copy or a broken disk leaves anything).
  ZODB then fails in ways that send an operator the wrong way: zeros read as
  "object deleted, likely by simultaneous pack", other bytes as a
  UnicodeDecodeError, or as a tail it silently cuts off into ``Data.fs.tr0``.
  The sentence says where the last transaction ends, so the tail can be cut off.
  ``ZeroFilledTail`` is the zero-filled kind, named as such.
"""

from __future__ import annotations

import os
import struct

from zc.lockfile import LockError, LockFile


class DatabaseProblem(RuntimeError):
    """The database cannot be opened; ``str()`` is one sentence for the operator."""


class DatabaseLocked(DatabaseProblem):
    pass


class DamagedTail(DatabaseProblem):
    pass


class ZeroFilledTail(DamagedTail):
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


def in_use(path: str) -> bool:
    """Whether another process holds the storage's lock (and so may be writing)."""
    if not os.path.exists(path + ".lock"):
        return False
    try:
        LockFile(path + ".lock").close()
    except LockError:
        return True
    except OSError:
        return False
    return False


def check_tail(path: str) -> None:
    """Raise DamagedTail if ``path`` does not end where its last transaction ends."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return
    if size <= len(MAGIC):
        return
    with open(path, "rb") as f:
        if _ends_a_transaction(f, size):
            return
        start = max(len(MAGIC), size - WINDOW)
        f.seek(start)
        end = _last_transaction_end(f.read(size - start), start, f)
        f.seek(end or start)
        zeros = not f.read().strip(b"\0")
    if end is None:
        raise DamagedTail(
            f"{path} does not end where a transaction ends, and no whole transaction "
            f"could be found in its last {size - start:,} bytes: the file is damaged. "
            "Restore it from a backup, or try ZODB's fsrecover: python -m "
            f"ZODB.scripts.fsrecover {path} {path}.recovered")
    if zeros:
        raise ZeroFilledTail(
            f"{path} ends in {size - end:,} zero bytes after its last transaction (a "
            "zero-filled tail: the file grew, e.g. in a crash or on a full disk, but "
            "nothing was written there). They hold no data: with the server stopped, "
            f"keep a copy, then cut them off with: truncate -s {end} {path}")
    raise DamagedTail(
        f"{path} ends in {size - end:,} bytes after its last transaction that are no "
        "transaction (a damaged tail: a crash, a bad copy or a failing disk). With the "
        f"server stopped, keep a copy, then cut them off with: truncate -s {end} {path}")


#: How far back from the end a whole transaction is looked for.
WINDOW = 1 << 20
#: A transaction's header: tid, length, status, then three lengths (23 bytes).
HEADER = struct.Struct(">8sQcHHH")
#: Statuses a transaction can have (FileStorage's format).
STATUSES = (b" ", b"p", b"u", b"c")


def _ends_a_transaction(f, end: int) -> bool:
    """Whether a whole transaction ends at ``end``.

    A transaction ends with its length (8 bytes, big-endian), which its header
    repeats after the 8-byte tid, followed by a known status byte."""
    if end - 8 < len(MAGIC) + HEADER.size:
        return False
    f.seek(end - 8)
    (length,) = struct.unpack(">Q", f.read(8))
    begin = end - 8 - length
    if length < HEADER.size or begin < len(MAGIC):
        return False
    f.seek(begin)
    _, repeated, status, *_ = HEADER.unpack(f.read(HEADER.size))
    return repeated == length and status in STATUSES


def _last_transaction_end(data: bytes, start: int, f) -> int | None:
    """Where the last whole transaction in ``data`` (read from ``start``) ends.

    Candidates are tried from the end back; most fail on the in-memory test
    that the 8 bytes before them are a length pointing inside the file."""
    for offset in range(len(data), 7, -1):
        (length,) = struct.unpack_from(">Q", data, offset - 8)
        end = start + offset
        if HEADER.size <= length <= end - 8 - len(MAGIC) and _ends_a_transaction(f, end):
            return end
    return None
