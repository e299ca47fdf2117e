"""What is stored, and the tree Pyramid traverses: Root -> ``rooms`` -> Room.

A Room keeps its lines in chunks of consecutive lines (rooms/lines.py), in an
LOBTree keyed by each chunk's first number. Appending rewrites the room's last
chunk; "the last N" and "everything after N" are range searches (numbers
have no gaps, so the range is known before reading); a room can hold
millions of lines and only its last chunk is ever rewritten.

Writers of different rooms touch different objects; only the activity index
(which rooms were recently active, and when each was) is shared. Its BTrees'
buckets resolve concurrent inserts and removals of different keys, but not a
bucket split or emptied, which its newest entries (all at one end) cause
often: so lines do not write it, the writer updates it in a transaction of
its own once a second (storage/history.py, Writer.later). Two writers racing
for the same room's next number both rewrite the room's last chunk, or both
add the same key to its tree of chunks: conflicts ZODB cannot resolve, which
is what we want: one of them retries with the next number. A Room is written
when it is created or its translator chosen, not for each line.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
from datetime import UTC, datetime

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from zope.interface import implementer

from ..interfaces import IRoom
from ..timestamps import microseconds
from .lines import REPEAT_KEY, Chunk, Chunks, History, StoredLine
from .slugs import check_slug


def hash_key(key: str) -> str:
    """What a room keeps of its owner's key: the key is random (not a
    password), so one SHA-256 is enough and the stored value cannot be replayed."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class Lines(LOBTree):
    """A room's lines by number, as stored up to schema 4 (evolve step 5 moves them
    into chunks); kept so that older databases load."""

    max_leaf_size = 16
    max_internal_size = 32


class Line(Persistent):
    """One said line as stored up to schema 4, each its own record (evolve step 5
    moves them into chunks); kept so that older databases load."""

    __slots__ = ("seq", "author", "_at", "text", "translation", "translator", "fallback",
                 "client_id")

    def __setstate__(self, state) -> None:
        (self.seq, self.author, self._at, self.text, self.translation, self.translator,
         self.fallback) = state[:7]
        self.client_id = state[7] if len(state) > 7 else None

    def stored(self) -> StoredLine:
        """This line as the chunks keep it."""
        return StoredLine(self.seq, self.author, self._at, self.text, self.translation,
                          self.translator, self.fallback, self.client_id)


@implementer(IRoom)
class Room(Persistent):
    """A room and every line said in it, numbered from 1 without gaps.

    A Room that is not stored yet (``_p_jar`` is None) is what traversal gives
    for a valid slug nobody has used: its page works, and the first line said
    there creates it.
    """

    #: Name of the translator this room uses; None means the configured default.
    translator: str | None = None
    #: Names this room's history: a new database gives new epochs, so a client
    #: that knew another epoch knows the history was replaced (not that it missed
    #: lines). Set when the room is stored (from the Root's) and by evolve.
    epoch: str | None = None
    #: SHA-256 (hex) of the owner's key, issued when the room was made by
    #: POST /rooms/; None: nobody owns it. Class-level defaults, so rooms
    #: stored before these existed need no evolve step.
    owner_key: str | None = None
    #: Whether only the owner may change the translator.
    translator_locked: bool = False
    #: The address of the forum topic this room is for (web/topics.py); None: no topic.
    topic_url: str | None = None
    #: Repeat keys of the room's latest lines -> their seq (ClientIds; evolve step 2 adds it).
    client_ids = None

    #: The room's lines in chunks (rooms/lines.py); rooms stored before schema 5
    #: kept ``lines`` instead (evolve step 5).
    chunks: Chunks | None = None

    def __init__(self, slug: str, title: str | None = None):
        self.__name__ = slug
        self.__parent__ = None
        self.title = title or slug
        self.chunks = Chunks()
        self.client_ids = ClientIds()

    @property
    def history(self) -> History:
        return History(self.chunks)

    @property
    def last_seq(self) -> int:
        """The room's last line number, 0 for none: the end of its last chunk.

        Kept nowhere else, so storing lines rewrites the room's last chunk,
        not the Room. Two writers racing for the next number both change
        that chunk: a conflict ZODB cannot resolve, so one of them retries.
        """
        return self.history.last_seq()

    def last_said(self) -> int:
        """When its last line was said, in milliseconds since 1970; 0 for none (or
        not known before evolve step 5)."""
        chunk = None if self.chunks is None else self.history.last_chunk()
        return chunk.rows[-1][1] // 1000 if chunk is not None and chunk.rows else 0

    @property
    def name(self) -> str:
        """The room's slug (IRoom's name: what clients join it by)."""
        return self.__name__

    def is_owner_key(self, key: str) -> bool:
        """Whether ``key`` is the one issued to this room's owner."""
        if self.owner_key is None or not isinstance(key, str):
            return False
        return hmac.compare_digest(self.owner_key, hash_key(key))

    def append(self, author: str, at: datetime, text: str, translation: str,
               translator: str, fallback: str | None = None,
               repeat_key: str | None = None) -> StoredLine:
        """Store a line under the room's next number and return it.

        A line whose ``repeat_key`` (chat/core/senders.py) the room already holds is
        not stored again: the line first stored with it is returned (see ``repeat_of``).
        """
        original = self.repeat_of(repeat_key)
        if original is not None:
            return original
        return self.add_new(author, at, text, translation, translator, fallback, repeat_key)

    def add_new(self, author: str, at: datetime, text: str, translation: str,
                translator: str, fallback: str | None = None,
                repeat_key: str | None = None) -> StoredLine:
        """``append`` for a line known not to be a repeat (the writer looked it up
        already: ``repeat_of`` is a good part of an append's cost)."""
        history = self.history
        line, full = history.add(author, microseconds(at), text, translation, translator,
                                 fallback or None, repeat_key or None)
        if full is not None:
            if self.client_ids is None:
                self.client_ids = ClientIds()
            self.client_ids.index(full, history)
            _let_go_once_committed(full, full._p_jar or self._p_jar)
        return line

    def repeat_of(self, repeat_key: str | None) -> StoredLine | None:
        """The stored line sent with ``repeat_key``, if the room still knows it."""
        if not repeat_key:
            return None
        history = self.history
        found = history.last_chunk_line(repeat_key)  # not indexed yet
        if found is None and self.client_ids is not None:
            seq = self.client_ids.get(repeat_key)
            found = None if seq is None else history.line(seq)
        return found

    def message(self, line: StoredLine) -> dict:
        """``line`` as the protocol's ``line`` message, with this room's name and epoch."""
        return line.as_message(self.__name__, self.epoch)

    def since(self, after: int, limit: int) -> list[StoredLine]:
        """The last ``limit`` lines numbered above ``after``, oldest first."""
        history = self.history
        last = history.last_seq()
        if limit <= 0 or last <= after:
            return []
        return history.between(max(after, last - limit) + 1, last)

    def after(self, seq: int, limit: int) -> list[StoredLine]:
        """Up to ``limit`` lines numbered above ``seq``, oldest first."""
        history = self.history
        last = history.last_seq()
        if limit <= 0 or last <= seq:
            return []
        first = max(seq, 0) + 1
        return history.between(first, min(last, first + limit - 1))


def _let_go_once_committed(chunk: Chunk, jar) -> None:
    """A full chunk is never written again: once its last line is committed, the
    writer's cache need not keep it (a reader loads it when asked), so the
    writer's memory holds its rooms' last chunks, not every line it wrote.
    ``jar``: the connection writing it (None for a room new in this
    transaction: then it stays until the cache's own bound drops it)."""
    manager = getattr(jar, "transaction_manager", None)
    if manager is None:
        return

    def let_go(committed: bool) -> None:
        if committed:
            chunk._p_deactivate()

    manager.get().addAfterCommitHook(let_go)


class ClientIds(Persistent):
    """The repeat keys of a room's latest lines, each to its line's seq.

    A client that did not hear back about a line (its connection dropped)
    sends it again with the same client id, which with its sender makes the
    same repeat key (chat/core/senders.py); the writer looks the key up here and in
    the room's last chunk, in the same transaction as the append, so a repeat
    is found on any process and after a restart. The ids of the last chunk
    are only in the chunk (at most ``Chunk.size`` rows to look through): a
    chunk's ids are indexed here when it is full, so the index's buckets are
    written once per chunk, not once per line (which cost as much as the
    lines themselves: bench/writer_cost.py --client-ids --count). The ids of
    at least the last ``keep`` lines are kept; older ones are forgotten a
    chunk at a time.
    """

    keep = 10_000
    #: Lines up to this number have no id here (forgotten, or never indexed).
    _forgotten = 0

    def __init__(self):
        self._seqs = OOBTree()  # repeat key -> seq

    def __len__(self) -> int:
        return len(self._seqs)

    def get(self, repeat_key: str) -> int | None:
        return self._seqs.get(repeat_key)

    def index(self, full: Chunk, lines: History) -> None:
        """Index the ids of ``full``, a chunk just filled; forget the chunks that
        then fall ``keep`` lines behind."""
        for number, row in enumerate(full.rows, start=full.first):
            if row[REPEAT_KEY]:
                self._seqs[row[REPEAT_KEY]] = number
        while True:
            old = lines.chunk_of(self._forgotten + 1)
            if old is None or old.last > full.last - self.keep or old is full:
                if old is not None and old is not full and not old._p_changed:
                    old._p_deactivate()  # read for its number only: not kept by the writer
                return
            for number, row in enumerate(old.rows, start=old.first):
                if row[REPEAT_KEY] and self._seqs.get(row[REPEAT_KEY]) == number:
                    del self._seqs[row[REPEAT_KEY]]
            self._forgotten = old.last


class Rooms(Persistent):
    """Every room by slug, and which were active lately (the front page's list)."""

    __name__ = "rooms"

    def __init__(self):
        self.__parent__ = None
        self._rooms = OOBTree()
        self._count = Length()  # resolves concurrent room creations by adding
        self._active = OOTreeSet()  # (-milliseconds, slug): the most recent first
        self._touched = OOBTree()  # slug -> milliseconds: each room's key in _active

    def __len__(self) -> int:
        return self._count()

    def __contains__(self, slug: str) -> bool:
        return slug in self._rooms

    def __iter__(self):
        """Every stored room."""
        return iter(self._rooms.values())

    @property
    def epoch(self) -> str | None:
        """The epoch new rooms get: the Root's."""
        return getattr(self.__parent__, "epoch", None)

    def __getitem__(self, slug: str) -> Room:
        """The room at ``slug``, stored or not yet; BadRoomName for a bad slug."""
        check_slug(slug)
        room = self._rooms.get(slug)
        if room is None:
            room = Room(slug)
            room.__parent__ = self
            room.epoch = self.epoch
        return room

    def get(self, slug: str) -> Room | None:
        """The stored room at ``slug``, or None."""
        return self._rooms.get(slug)

    def add(self, slug: str, title: str | None = None) -> Room:
        """The room at ``slug``, created (with ``title``) if it is not stored yet."""
        room = self._rooms.get(slug)
        if room is None:
            check_slug(slug)
            room = Room(slug, title)
            room.__parent__ = self
            room.epoch = self.epoch
            self._rooms[slug] = room
            self._count.change(1)
        return room

    #: How far (ms) apart a room's times in the activity index are at least.
    touch_every = 1000
    #: How long (ms) after a line its time may still be missing from the index:
    #: the writer commits it at most a second later (Writer.later_every), plus
    #: slack for that commit. A process stopped (or an outage, or conflicts
    #: going on) before it commits leaves the room lower on the front page
    #: than it should be until its next line.
    index_delay = 2000

    def touch(self, room: Room, milliseconds: int) -> None:
        """Record that ``room`` was active at ``milliseconds`` (since 1970), at most
        once every ``touch_every`` ms per room.

        Kept here, not on the Room, so a line does not rewrite its Room. Not
        for every line: a batch of lines in 100 busy rooms rewrote every
        bucket of these two trees, two thirds of what a commit pickled
        (bench/writer_cost.py --count); ``recently_active`` makes up for the lag.
        Called after the lines are committed, in a transaction of its own
        (storage/history.py), except for a room's first line.
        """
        slug = room.__name__
        last = self._touched.get(slug)
        if last is not None:
            if milliseconds < last + self.touch_every:
                return
            self._active.discard((-last, slug))
        self._touched[slug] = milliseconds
        self._active.add((-milliseconds, slug))

    def recently_active(self, limit: int) -> list[Room]:
        """Up to ``limit`` rooms, the most recently active first.

        The index's time of a room is at most ``touch_every + index_delay``
        ms behind its last line, so rooms are taken in the index's order
        while one could still be among the first ``limit``, and ordered by
        their last line.
        """
        if limit <= 0:
            return []
        found: list[tuple[int, str, Room]] = []  # (-time, slug, room): sorts newest first
        for negative, slug in self._active:
            lag = self.touch_every + self.index_delay
            if len(found) >= limit and -negative + lag <= -found[limit - 1][0]:
                break
            room = self._rooms[slug]
            bisect.insort(found, (-max(-negative, room.last_said()), slug, room))
        return [room for _, _, room in found[:limit]]


class Root(Persistent):
    """The application's root (``root["piratechat"]`` in the database)."""

    __name__ = ""
    __parent__ = None
    #: The last evolve step run on this database (rooms/evolve.py).
    schema_version = 0
    #: This database's epoch, given to each room it stores (Room.epoch); set by evolve.
    epoch: str | None = None

    def __init__(self):
        self.rooms = Rooms()
        self.rooms.__parent__ = self

    def __getitem__(self, name: str):
        if name == "rooms":
            return self.rooms
        raise KeyError(name)
