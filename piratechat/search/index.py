"""The index of what was said, in ZODB beside the lines (``Root.search_index``).

Structures: zope.index's ``Lexicon`` (word <-> word id, kept by the
zopefoundation on BTrees; our pipeline folds and splits words: words.py),
and BTrees for the rest: for each word id the set of lines holding that word
(an LLTreeSet of document ids), and each document id's (room, seq). Not
zope.index's OkapiIndex or CosineIndex: they compute relevance weights and
keep each document's word list, which cost writes on every line, and we
answer newest first (not by relevance) and check phrases on the line's text.

A document id is the line's time in microseconds times 256, plus one for
each line already indexed at that microsecond (lines are stored to the
millisecond, so several often share one): "newest first" is the sets' key
order read backwards, the time is the id's top bits (``when``), and two
rooms' lines go to different places in the trees. Pages are cut between
two times, never inside one (a page is longer than asked when lines share
its last time), so the next page's cursor is a time (``before``, in µs) that
a line not indexed yet has as well as an indexed one.
Each room has a set of its lines too, so a search in one room is one more
set to intersect, not a filter over every room's lines.

Who writes it: the writer, after the lines (storage/history.py): each line
asks ``Writer.later`` to bring its room's index up to date, so a round
indexes every room's new lines once a second, in a transaction without
lines. The index is shared by every room and process; in the lines'
transaction it would make lines of different rooms on different processes
conflict (tests/integration/test_own_rooms.py forbids that), and it would
rewrite the sets' last buckets for every commit instead of once a round.
Lines not yet indexed (the last second or so, or a room whose process
stopped before its round) are each room's "tail", past ``indexed[slug]``:
a search reads the tails of the rooms it covers (bounded: ``TAIL``) and
checks each line, so a line is found as soon as it is stored.

Moderation: ``unindex(root, slug, seq)`` takes one line out (a line that is
gone must not be found); the search also asks ``shown(line)`` of every line
before it answers with it, the place to refuse a line whose state says it
is gone even before its round.
"""

from __future__ import annotations

from typing import NamedTuple

from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OLBTree import OLBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from zope.index.text.lexicon import Lexicon

from ..rooms.lines import StoredLine
from .words import Query, WordSplitter, words

#: A document id is its line's time in µs, shifted this far (``when``).
SHIFT = 8
#: Lines a room's round indexes at most (the rest: its next round, or its tail).
ROUND = 5000
#: Unindexed lines a search reads per room at most (the newest).
TAIL = 1000
#: Rooms whose tails a search over every room reads: the most recently active.
TAIL_ROOMS = 20
#: Lines a search checks at most before it answers with what it found (and a
#: cursor to go on from)...
CHECKS = 300
#: ...and steps it takes through its words' sets (one ``maxKey`` per set each):
#: a query whose words are common but rarely together costs this much, never
#: the whole index.
STEPS = 1000


def when(document: int) -> int:
    """The time (µs since 1970) of the line indexed as ``document``."""
    return document >> SHIFT


class Found(NamedTuple):
    """A page of answers: ``lines`` newest first, each ``(room, StoredLine)``, and
    ``before``, the cursor of the next page (a time in µs; None: there is none)."""

    lines: list[tuple[str, StoredLine]]
    before: int | None


class SearchIndex(Persistent):
    def __init__(self):
        self.lexicon = Lexicon(WordSplitter())
        self._sets = LOBTree()  # word id -> LLTreeSet of document ids
        self._lines = LOBTree()  # document id -> (slug, seq)
        self._rooms = OOBTree()  # slug -> LLTreeSet of its document ids
        self.indexed = OLBTree()  # slug -> its last line indexed

    def __len__(self) -> int:
        return len(self._lines)

    # --- writing (the writer's ``later`` rounds, evolve) ---------------------------
    def index_room(self, room, limit: int | None = ROUND) -> int:
        """Index ``room``'s lines after its mark (``limit`` of them at most); return
        how many."""
        slug = room.__name__
        mark = self.indexed.get(slug, 0)
        last = room.last_seq
        if limit is not None:
            last = min(last, mark + limit)
        if last <= mark:
            return 0
        lines = room.history.between(mark + 1, last)
        in_room = self._rooms.get(slug)
        if in_room is None:
            in_room = self._rooms[slug] = LLTreeSet()
        for line in lines:
            in_room.insert(self._add(slug, line))
        self.indexed[slug] = last
        return len(lines)

    def _add(self, slug: str, line: StoredLine) -> int:
        """Index ``line`` of room ``slug``; return its document id."""
        document = line.at_us << SHIFT
        while document in self._lines:
            document += 1
        self._lines[document] = (slug, line.seq)
        for word_id in set(self.lexicon.sourceToWordIds(line.text)):
            found = self._sets.get(word_id)
            if found is None:
                found = self._sets[word_id] = LLTreeSet()
            found.insert(document)
        return document

    def unindex(self, root, slug: str, seq: int) -> bool:
        """Take line ``seq`` of room ``slug`` out of the index (moderation: a line
        that is gone); whether it was in. A line not indexed yet is not in: the
        search asks ``shown`` of the tails' lines."""
        room = root.rooms.get(slug)
        line = None if room is None else room.history.line(seq)
        if line is None:
            return False
        for document, place in self._lines.items(min=line.at_us << SHIFT):
            if place == (slug, seq):
                break
            if when(document) > line.at_us + 1:  # (256 lines at one µs spill into the next)
                return False
        else:
            return False
        for found in [self._rooms.get(slug)] + [self._sets.get(word_id) for word_id in
                                                 set(self.lexicon.termToWordIds(line.text))]:
            if found is not None and document in found:
                found.remove(document)
        del self._lines[document]
        return True

    # --- reading -----------------------------------------------------------------
    def search(self, root, query: Query, slug: str | None = None, before: int | None = None,
               limit: int = 20) -> Found:
        """The lines answering ``query`` (in room ``slug``, or in every room), newest
        first, older than the cursor ``before``: ``limit`` of them at most."""
        before = (1 << 54) if before is None else before
        found = list(self._tails(root, query, slug, before, limit))  # (time, slug, line)
        indexed, cursor = self._indexed(root, query, slug, before, limit)
        found += indexed
        if cursor is not None:  # the rest, tails too, is the next page's
            found = [answer for answer in found if answer[0] >= cursor]
        found.sort(key=lambda answer: (answer[0], answer[1], answer[2].seq), reverse=True)
        cut = min(limit, len(found))
        while 0 < cut < len(found) and found[cut][0] == found[cut - 1][0]:
            cut += 1  # never between two lines of one time: the cursor is a time
        if cut < len(found):
            cursor = found[cut - 1][0]
        return Found([(room, line) for _, room, line in found[:cut]], cursor)

    def _indexed(self, root, query: Query, slug: str | None, before: int,
                 limit: int) -> tuple[list, int | None]:
        """The newest ``limit + 1`` indexed lines answering ``query`` said before
        ``before`` (more if they share a time), each ``(time, slug, line)``, and where
        to go on if CHECKS or STEPS ran out first."""
        sets = [self._rooms.get(slug)] if slug else []
        for word in sorted(query.every_word()):
            word_id = self.lexicon.get_wid(word)
            sets.append(self._sets.get(word_id) if word_id else None)
        if None in sets:
            return [], None  # a word (or a room) no indexed line has
        answers: list = []
        checks = 0
        for document, held in _newest_in_all(sets, (before << SHIFT) - 1, STEPS):
            if _enough([answer[0] for answer in answers], limit):
                break
            checks += 1
            if not held or checks > CHECKS:  # (lines at this time may come again)
                return answers, when(document) + 1
            room, seq = self._lines[document]
            line = _line(root, room, seq)
            if line is not None and shown(line) and query.matches(words(line.text)):
                answers.append((when(document), room, line))
        return answers, None

    def _tails(self, root, query: Query, slug: str | None, before: int, limit: int):
        """The lines past each covered room's mark that answer ``query``: the
        newest ``TAIL`` of each, of the room ``slug`` or of the TAIL_ROOMS rooms
        active most recently."""
        if slug is not None:
            room = root.rooms.get(slug)
            rooms = [] if room is None else [room]
        else:
            rooms = root.rooms.recently_active(TAIL_ROOMS)
        for room in rooms:
            last = room.last_seq
            first = max(self.indexed.get(room.__name__, 0), last - TAIL) + 1
            taken = []
            for line in reversed(room.history.between(first, last)):
                if _enough(taken, limit):
                    break
                if line.at_us < before and shown(line) and query.matches(words(line.text)):
                    yield line.at_us, room.__name__, line
                    taken.append(line.at_us)


def _enough(times: list[int], limit: int) -> bool:
    """Whether answers at ``times`` (newest first) fill a page and tell whether there
    is more: the first ``limit``, every other at the time of the last of them (a
    page is never cut inside one time), and one older."""
    return len(times) > limit and times[-1] != times[limit - 1]


def _newest_in_all(sets: list, below: int, steps: int):
    """The keys every one of ``sets`` holds, from ``below`` down, each as ``(key,
    True)``: each step asks every set for its greatest key not above the
    candidate (``maxKey``, a walk down its tree) and jumps to the smallest
    answer, so common words cost steps in proportion to how often they meet,
    not to how big their sets are. After ``steps`` steps, ``(candidate, False)``
    says where it stopped, unlooked at."""
    candidate = below
    for _ in range(steps):
        if candidate <= 0:
            return
        try:
            keys = [found.maxKey(candidate) for found in sets]
        except ValueError:  # a set has nothing that low
            return
        lowest = min(keys)
        if lowest == max(keys):
            yield lowest, True
            candidate = lowest - 1
        else:
            candidate = lowest
    yield candidate, False


def _line(root, slug: str, seq: int) -> StoredLine | None:
    room = root.rooms.get(slug)
    return None if room is None else room.history.line(seq)


def shown(line: StoredLine) -> bool:
    """Whether ``line`` may be found and shown: not once taken back (moderation/;
    the retraction also takes it out of the index, storage/history.py)."""
    return not line.retracted
