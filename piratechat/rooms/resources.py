"""What is stored, and the tree Pyramid traverses: Root -> ``rooms`` -> Room.

A Room keeps its lines in an LOBTree keyed by sequence number. Appending adds
one key to the last bucket; "the last N" and "everything after N" are range
searches (numbers have no gaps, so the range is known before reading); a room
can hold millions of lines and no list is ever rewritten. Each Line is its own
small persistent record, so a bucket write carries references, not texts.

Writers of different rooms touch different objects; only the activity index
(which rooms were recently active, and when each was) is shared, and it is
BTrees whose buckets resolve concurrent inserts and removals of different
keys. Two writers racing for the same room's next number both insert that
number into the room's last bucket (and both change the room's time in the
index): conflicts BTrees cannot resolve, which is what we want: one of them
retries with the next number. A Room is written when it is created or its
translator chosen, not for each line.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from zope.interface import implementer

from ..interfaces import IRoom
from .slugs import check_slug


def hash_key(key: str) -> str:
    """What a room keeps of its owner's key: the key is random (not a
    password), so one SHA-256 is enough and the stored value cannot be replayed."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def iso(at: datetime) -> str:
    """A UTC time as the protocol writes it: ISO 8601, milliseconds, Z."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _microseconds(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class Lines(LOBTree):
    """A room's lines by number: an LOBTree with small nodes, as appends at the end want.

    Storing a line rewrites the bucket it lands in, and each bucket split
    rewrites the node above: the cost of one append grows with those sizes
    (ZODB pickles every key and reference in them). With LOBTree's 60 and
    500 a line cost about 130 pickled items in buckets and nodes (100 busy
    rooms, measured by counting ZODB's persistent_id calls); with 16 and 32
    about 55, for a tree a level or two deeper. Rooms stored
    before this class keep their LOBTree: same keys, same methods.
    """

    max_leaf_size = 16
    max_internal_size = 32


class Line(Persistent):
    """One said line, as stored; never changed after its commit.

    Its state is pickled as one flat tuple, the time as integer microseconds:
    a room stores millions of these, and a dict with a datetime in it costs
    half again as much to write (the bench's CPU per line) and to keep.
    """

    __slots__ = ("seq", "author", "_at", "text", "translation", "translator", "fallback",
                 "client_id")

    def __init__(self, seq: int, author: str, at: datetime, text: str, translation: str,
                 translator: str, fallback: str | None = None, client_id: str | None = None):
        self.seq = seq
        self.author = author
        self._at = _microseconds(at)
        self.text = text
        self.translation = translation
        self.translator = translator
        self.fallback = fallback or None  # the translator that failed, if the fallback answered
        self.client_id = client_id or None  # the sender's own id for the line (its outbox's)

    @property
    def at(self) -> datetime:
        """When the line was said, in UTC."""
        return _EPOCH + timedelta(microseconds=self._at)

    def __getstate__(self):
        if self.client_id is None:  # lines without one keep the shape they always had
            return (self.seq, self.author, self._at, self.text, self.translation,
                    self.translator, self.fallback)
        return (self.seq, self.author, self._at, self.text, self.translation, self.translator,
                self.fallback, self.client_id)

    def __setstate__(self, state) -> None:
        (self.seq, self.author, self._at, self.text, self.translation, self.translator,
         self.fallback) = state[:7]
        self.client_id = state[7] if len(state) > 7 else None

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
            "at": iso(self.at),
        }
        if self.fallback:
            message["fallback"] = self.fallback
        if self.client_id:
            message["client_id"] = self.client_id
        return message


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
    #: Client ids of the room's latest lines -> their seq (ClientIds; evolve step 2 adds it).
    client_ids = None

    def __init__(self, slug: str, title: str | None = None):
        self.__name__ = slug
        self.__parent__ = None
        self.title = title or slug
        self.lines = Lines()
        self.client_ids = ClientIds()

    @property
    def last_seq(self) -> int:
        """The room's last line number, 0 for none: the last key of its lines.

        Kept nowhere else, so storing a line writes the Line and its bucket,
        not the Room (a third fewer pickled items per line). Two writers
        racing for the next number both insert the same key into the same
        bucket: a conflict BTrees cannot resolve, so one of them retries.
        """
        try:
            return self.lines.maxKey()
        except ValueError:  # no lines yet
            return 0

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
               client_id: str | None = None) -> Line:
        """Store a line under the room's next number and return it.

        A line whose ``client_id`` the room already holds is not stored again:
        the line first stored with it is returned (see ``repeat_of``).
        """
        original = self.repeat_of(client_id)
        if original is not None:
            return original
        seq = self.last_seq + 1
        line = Line(seq, author, at, text, translation, translator, fallback, client_id)
        self.lines[seq] = line
        if client_id:
            if self.client_ids is None:
                self.client_ids = ClientIds()
            self.client_ids.add(client_id, seq, self.lines)
        return line

    def repeat_of(self, client_id: str | None) -> Line | None:
        """The stored line sent with ``client_id``, if the room still knows it."""
        if not client_id or self.client_ids is None:
            return None
        seq = self.client_ids.get(client_id)
        return None if seq is None else self.lines.get(seq)

    def message(self, line: Line) -> dict:
        """``line`` as the protocol's ``line`` message, with this room's name and epoch."""
        return line.as_message(self.__name__, self.epoch)

    def since(self, after: int, limit: int) -> list[Line]:
        """The last ``limit`` lines numbered above ``after``, oldest first."""
        if limit <= 0 or self.last_seq <= after:
            return []
        first = max(after, self.last_seq - limit) + 1
        return list(self.lines.values(min=first, max=self.last_seq))

    def after(self, seq: int, limit: int) -> list[Line]:
        """Up to ``limit`` lines numbered above ``seq``, oldest first."""
        if limit <= 0 or self.last_seq <= seq:
            return []
        first = max(seq, 0) + 1
        return list(self.lines.values(min=first, max=min(self.last_seq, first + limit - 1)))


class ClientIds(Persistent):
    """The client ids of a room's latest lines, each to its line's seq.

    A client that did not hear back about a line (its connection dropped)
    sends it again with the same id; the writer looks the id up here, in the
    same transaction as the append, so a repeat is found on any process and
    after a restart. At least the last ``keep`` ids are kept: once there are
    more, the oldest lines' ids are forgotten, one for each id added.
    """

    keep = 10_000

    def __init__(self):
        self._seqs = OOBTree()  # client id -> seq
        self._count = 0
        self._oldest = 1  # no line below this seq has its id indexed

    def __len__(self) -> int:
        return self._count

    def get(self, client_id: str) -> int | None:
        return self._seqs.get(client_id)

    def add(self, client_id: str, seq: int, lines: LOBTree) -> None:
        if not self._count:
            self._oldest = max(self._oldest, seq)  # older lines never had an id indexed
        self._seqs[client_id] = seq
        self._count += 1
        while self._count > self.keep:
            line = lines.get(self._oldest)
            self._oldest += 1
            if line is not None and line.client_id and self._seqs.get(line.client_id) == line.seq:
                del self._seqs[line.client_id]
                self._count -= 1


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

    def touch(self, room: Room, at: datetime) -> None:
        """Record that ``room`` was active at ``at`` (to the millisecond).

        Kept here, not on the Room, so a line does not rewrite its Room; a
        batch of lines in many rooms rewrites a few buckets of these two trees.
        """
        slug = room.__name__
        milliseconds = int(at.timestamp() * 1000)
        last = self._touched.get(slug)
        if last is not None:
            if milliseconds <= last:
                return
            self._active.discard((-last, slug))
        self._touched[slug] = milliseconds
        self._active.add((-milliseconds, slug))

    def recently_active(self, limit: int) -> list[Room]:
        """Up to ``limit`` rooms, the most recently active first."""
        rooms = []
        for _, slug in self._active:
            if len(rooms) >= limit:
                break
            rooms.append(self._rooms[slug])
        return rooms


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
