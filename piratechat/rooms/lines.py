"""A room's lines as stored: plain records, packed into chunks of consecutive lines.

Why chunks: a line stored as a persistent object of its own cost each line a
new record and a rewritten bucket of references in the room's tree, and
pickling a line's fields field by field calls ZODB's ``persistent_id`` once
per field (about 49 calls and 1.85 records per line, 190-330 µs of CPU per
line in all; bench/writer_cost.py). Here a Chunk holds up to ``Chunk.size``
consecutive lines of one room as plain tuples, and its state is one pickled
bytes string: a commit that adds lines to a room rewrites that room's last
chunk only (one record, however many of its lines the batch holds), and a
full chunk adds one key to the room's tree of chunks.

Stored lines never change. What a rewrite costs grows with the chunk, so a
chunk is full at ``size`` lines or ``max_chars`` characters of text,
whichever comes first; a room's history is its chunks by their first number.

Conflicts: two writers adding to one room both change its last chunk, or
both add the same key to its tree; ZODB resolves neither, so one of them
runs its batch again on the winner's lines (storage/writer.py), and numbers
stay gap-free across processes.
"""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta
from typing import NamedTuple

from BTrees.LOBTree import LOBTree
from persistent import Persistent

from ..timestamps import EPOCH, iso_us


class StoredLine(NamedTuple):
    """One said line as stored: its number, then a chunk's row (``at`` in µs since 1970)."""

    seq: int
    author: str
    at_us: int
    text: str
    translation: str
    translator: str
    fallback: str | None = None  # the translator that failed, if the fallback answered
    #: What a resend of the line is known by: a digest of its sender and client id
    #: (chat/core/senders.py). Never sent: a line's client id is its sender's business.
    #: (Schema 5 kept the client id itself here; evolve step 6.)
    repeat_key: str | None = None

    @property
    def at(self) -> datetime:
        """When the line was said, in UTC."""
        return EPOCH + timedelta(microseconds=self.at_us)

    def as_message(self, room: str, epoch: str | None = None) -> dict:
        """The protocol's ``line`` message for this line of ``room`` (docs/protocol.md);
        ``epoch`` is the room's (Room.epoch)."""
        message = {
            "type": "line",
            "seq": self.seq,
            "room": room,
            "epoch": epoch,
            "author": self.author,
            "text": self.text,
            "translation": self.translation,
            "translator": self.translator,
            "at": iso_us(self.at_us),
        }
        if self.fallback:
            message["fallback"] = self.fallback
        return message


#: Where a row (a StoredLine less its seq) keeps the line's repeat key.
REPEAT_KEY = StoredLine._fields.index("repeat_key") - 1


class Chunk(Persistent):
    """Consecutive lines of one room from number ``first``, each a row (StoredLine less seq).

    Its state is ``(first, pickled rows)``: the rows are plain strings,
    integers and None, pickled in one C call rather than one ZODB callback
    per field.
    """

    #: Lines a chunk holds at most: each commit rewrites a room's last chunk whole.
    size = 16
    #: Characters of text and translation a chunk holds before it counts as full.
    max_chars = 8000

    def __init__(self, first: int):
        self.first = first
        self.rows: list[tuple] = []
        self.chars = 0  # of its rows' texts and translations; not stored

    def __getstate__(self):
        return self.first, pickle.dumps(self.rows, protocol=pickle.HIGHEST_PROTOCOL)

    def __setstate__(self, state) -> None:
        self.first, rows = state
        self.rows = pickle.loads(rows)
        self.chars = sum(len(row[2]) + len(row[3]) for row in self.rows)

    @property
    def last(self) -> int:
        """The number of its last line (``first - 1`` while empty)."""
        return self.first + len(self.rows) - 1

    def full(self) -> bool:
        return len(self.rows) >= self.size or self.chars >= self.max_chars

    def add(self, line: StoredLine) -> None:
        """Append ``line``, which must be numbered ``last + 1``."""
        if line.seq != self.first + len(self.rows):
            raise ValueError(f"line {line.seq} cannot follow line {self.last}")
        self.rows.append(tuple(line[1:]))
        self.chars += len(line.text) + len(line.translation)
        self._p_changed = True

    def line(self, seq: int) -> StoredLine | None:
        index = seq - self.first
        if 0 <= index < len(self.rows):
            return StoredLine(seq, *self.rows[index])
        return None

    def between(self, first: int, last: int) -> list[StoredLine]:
        """Its lines numbered ``first`` to ``last``, both included."""
        start, stop = max(first - self.first, 0), max(last - self.first + 1, 0)
        return [StoredLine(self.first + start + i, *row)
                for i, row in enumerate(self.rows[start:stop])]


class Chunks(LOBTree):
    """A room's chunks by the number of their first line.

    Small nodes, as appends at the end want: adding a chunk rewrites the
    bucket it lands in (every key and reference in it is pickled).
    """

    max_leaf_size = 16
    max_internal_size = 32


class History:
    """The lines of one room's Chunks: append at the end, read by number. Not stored:
    a view over ``chunks``, made per use."""

    __slots__ = ("chunks",)

    def __init__(self, chunks: Chunks):
        self.chunks = chunks

    def last_chunk(self) -> Chunk | None:
        try:
            return self.chunks[self.chunks.maxKey()]
        except ValueError:  # no lines yet
            return None

    def last_seq(self) -> int:
        chunk = self.last_chunk()
        return 0 if chunk is None else chunk.last

    def append(self, line: StoredLine) -> None:
        """Store ``line`` after the last (its seq must be the next number)."""
        self._open_chunk(line.seq, self.last_chunk()).add(line)

    def add(self, *row) -> tuple[StoredLine, Chunk | None]:
        """Store a line (a row: StoredLine's fields after seq) under the next number;
        return it, and the chunk it found full (so it started the next), if it did."""
        last = self.last_chunk()
        line = StoredLine(1 if last is None else last.first + len(last.rows), *row)
        chunk = self._open_chunk(line.seq, last)
        chunk.add(line)
        return line, (last if chunk is not last else None)

    def last_chunk_line(self, repeat_key: str) -> StoredLine | None:
        """The line of the last chunk stored with ``repeat_key``, if any."""
        last = self.last_chunk()
        if last is not None:
            for number, row in enumerate(last.rows, start=last.first):
                if row[REPEAT_KEY] == repeat_key:
                    return StoredLine(number, *row)
        return None

    def chunk_of(self, seq: int) -> Chunk | None:
        """The chunk holding line ``seq`` (or where it would go), if any."""
        try:
            return self.chunks[self.chunks.maxKey(max(seq, 1))]
        except ValueError:  # nothing numbered that low
            return None

    def _open_chunk(self, seq: int, last: Chunk | None) -> Chunk:
        """The chunk line ``seq`` goes in: ``last``, or a new one when that is full."""
        if last is None or last.full():
            last = Chunk(seq)
            self.chunks[seq] = last
        return last

    def line(self, seq: int) -> StoredLine | None:
        chunk = self.chunk_of(seq)
        return None if chunk is None else chunk.line(seq)

    def between(self, first: int, last: int) -> list[StoredLine]:
        """The lines numbered ``first`` to ``last``, oldest first."""
        if first > last:
            return []
        try:
            start = self.chunks.maxKey(first)
        except ValueError:
            start = first
        found: list[StoredLine] = []
        for chunk in self.chunks.values(min=start, max=last):
            found += chunk.between(first, last)
        return found
