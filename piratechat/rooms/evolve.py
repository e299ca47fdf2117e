"""Numbered schema steps for what is stored, run in order (as Substance D evolves).

A ZODB app needs this from its first release: a stored object keeps the shape
it had when it was committed, so every change to a persistent class's shape
gets a step here that brings old databases along. The Root records the last
step run (``schema_version``); ``evolve`` runs the missing ones, each in its
own transaction, so a failure leaves the database at a known step.

To change the schema: add ``step_N`` below, append it to STEPS, never edit or
reorder a released step.
"""

from __future__ import annotations

import logging
import secrets

import transaction
from transaction.interfaces import TransientError

from .resources import ClientIds, Root

log = logging.getLogger(__name__)

#: Where the application's Root lives in the database's root mapping.
ROOT_KEY = "piratechat"


def step_1(zodb_root) -> None:
    """The Root, its Rooms, and the lobby every front page chats in."""
    if ROOT_KEY not in zodb_root:
        root = Root()
        root.rooms.add("lobby", "Lobby")
        zodb_root[ROOT_KEY] = root


def step_2(zodb_root) -> None:
    """Client ids: every stored room gets the index of its lines' client ids.

    Lines stored before this step keep their pickled shape (they load with no
    client id: ``Line.__setstate__``); only the rooms change.
    """
    for room in zodb_root[ROOT_KEY].rooms._rooms.values():
        if room.client_ids is None:
            room.client_ids = ClientIds()


def new_epoch() -> str:
    """A name for a history no other database has had: random, 16 hex digits."""
    return secrets.token_hex(8)


def step_3(zodb_root) -> None:
    """An epoch for the database and every room's history (Room.epoch, docs/protocol.md)."""
    root = zodb_root[ROOT_KEY]
    if root.epoch is None:
        root.epoch = new_epoch()
    for room in root.rooms:
        if room.epoch is None:
            room.epoch = root.epoch


def step_4(zodb_root) -> None:
    """Rooms stop keeping ``last_seq`` and ``last_active``: the number is their lines'
    last key, the time moves to ``Rooms._touched`` (storing a line then leaves its
    Room alone)."""
    from BTrees.OOBTree import OOBTree

    rooms = zodb_root[ROOT_KEY].rooms
    touched = OOBTree()
    for room in rooms:
        room._p_activate()  # a ghost's __dict__ is empty until loaded
        state = room.__dict__
        last_active = state.pop("last_active", None)
        state.pop("last_seq", None)
        room._p_changed = True
        if last_active is not None:
            touched[room.__name__] = int(last_active.timestamp() * 1000)
    rooms._touched = touched


def step_5(zodb_root) -> None:
    """Lines move into chunks (rooms/lines.py): each room's ``lines`` tree of one
    persistent Line per line becomes ``chunks``, a tree of chunks of consecutive
    lines; numbers, texts, times and client ids stay as they were. Each room's
    ClientIds is made anew from its lines: it now indexes full chunks only.
    The old Lines stay in the file, unreferenced, until the storage is packed."""
    from .lines import Chunks, History
    from .resources import ClientIds

    for room in zodb_root[ROOT_KEY].rooms:
        room._p_activate()  # a ghost's __dict__ is empty until loaded
        old = room.__dict__.pop("lines", None)
        if old is None:  # made by this code (step 1's lobby on a new database)
            continue
        room.chunks = Chunks()
        history = History(room.chunks)
        for line in old.values():
            history.append(line.stored())
        room.client_ids = ClientIds()
        full = list(room.chunks.values())[:-1]
        for chunk in full:
            room.client_ids.index(chunk, history)
        room._p_changed = True


def step_6(zodb_root) -> None:
    """Repeats are per sender (chat/core/senders.py): where a line kept its client id
    it now keeps a repeat key. The lines a room still checks for repeats (those
    its ClientIds index holds and its last chunk) get the key a client without
    a ``sender_key`` makes, of their author's name and the old id, so a client
    that resends after the upgrade still finds them; the index is made anew
    from those keys. Older lines keep their client id, which no key can match
    and nobody is sent."""
    from ..chat.core.senders import repeat_key, sender
    from .lines import REPEAT_KEY, History

    for room in zodb_root[ROOT_KEY].rooms:
        if room.chunks is None:
            continue
        history = History(room.chunks)
        last = history.last_chunk()
        if last is None:
            continue
        start = history.chunk_of(max(last.last - ClientIds.keep - last.size, 1))
        index = ClientIds()
        index._forgotten = start.first - 1
        for chunk in room.chunks.values(min=start.first):
            chunk.rows = [row[:REPEAT_KEY] + (repeat_key(sender(None, row[0]), row[REPEAT_KEY]),)
                          + row[REPEAT_KEY + 1:] for row in chunk.rows]
            chunk._p_changed = True
            if chunk is not last:
                index.index(chunk, history)
        room.client_ids = index


STEPS = (step_1, step_2, step_3, step_4, step_5, step_6)
#: The schema this code writes.
LATEST = len(STEPS)


def version(zodb_root) -> int:
    root = zodb_root.get(ROOT_KEY)
    return 0 if root is None else root.schema_version


def evolve(db, attempts: int = 5) -> list[int]:
    """Run the steps this database has not had; returns their numbers.

    Several workers starting at once may race: a conflict means another ran
    the step, so the step is checked again rather than run twice.
    """
    done: list[int] = []
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        for number, step in enumerate(STEPS, start=1):
            for attempt in range(attempts):
                manager.begin()
                zodb_root = connection.root()
                current = version(zodb_root)
                if current > LATEST:
                    raise RuntimeError(f"the database is at schema {current}; "
                                       f"this code knows only up to {LATEST}")
                if current >= number:
                    manager.abort()
                    break
                step(zodb_root)
                zodb_root[ROOT_KEY].schema_version = number
                manager.get().note(f"piratechat evolve step {number}")
                try:
                    manager.commit()
                except TransientError:
                    manager.abort()
                    if attempt == attempts - 1:
                        raise
                    continue
                log.info("evolved the database to schema %s", number)
                done.append(number)
                break
    finally:
        manager.abort()
        connection.close()
    return done
