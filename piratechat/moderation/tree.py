"""Where rules are kept: a ``Rules`` on each level of the traversal tree.

The whole chat (the ``rooms`` container), a group of rooms (a Plone forum, for
its topics' rooms) and a room may each carry a Rules. A room's rules are read
along its lineage: the room, its group, the container (``lineage``): the
nearest level that says something about a rule decides, so a rule set high
up reaches every room below at once, and a room made later follows it too.
That walk is as long as the tree is deep, whatever the number of rooms.

A Rules is written by the storage's writer only (moderation/service.py), in
a transaction of its own; nothing here is touched when a line is said.
"""

from __future__ import annotations

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

from ..rooms.slugs import check_slug


class Rules(Persistent):
    """What one level of the tree says: None for "as the level above"."""

    #: Seconds a person waits between two lines (0: no slow mode here).
    slow: int | None = None
    #: Whether only moderators may say lines.
    read_only: bool | None = None
    #: How many entries the log keeps; older ones go first.
    log_size = 1000

    def __init__(self):
        self.mutes = OOBTree()  # name -> until (Unix seconds)
        self.bans = OOBTree()  # address -> until (Unix seconds)
        self.moderators = OOTreeSet()  # member names
        self.log = LOBTree()  # µs since 1970 -> (by, action, details dict)

    def record(self, at_us: int, by: str, action: str, details: dict) -> None:
        """Keep an entry in the log (a later one at the same µs moves on one)."""
        while at_us in self.log:
            at_us += 1
        self.log[at_us] = (by, action, dict(details))
        while len(self.log) > self.log_size:
            del self.log[self.log.minKey()]


class Group(Persistent):
    """A group of rooms (a forum's topics' rooms): a level of rules between the
    rooms and the whole chat. It is made when a room first names it."""

    rules: Rules | None = None

    def __init__(self, name: str):
        self.__name__ = name
        self.__parent__ = None


class Groups(Persistent):
    """Every group by name (``root["groups"]``); groups use room names' rules (slugs)."""

    __name__ = "groups"

    def __init__(self):
        self.__parent__ = None
        self._groups = OOBTree()

    def __contains__(self, name: str) -> bool:
        return name in self._groups

    def get(self, name: str) -> Group | None:
        return self._groups.get(name)

    def __getitem__(self, name: str) -> Group:
        group = self._groups.get(name)
        if group is None:
            raise KeyError(name)
        return group

    def add(self, name: str) -> Group:
        """The group ``name``, made if new (BadRoomName for a bad name)."""
        group = self._groups.get(name)
        if group is None:
            check_slug(name)
            group = Group(name)
            group.__parent__ = self
            self._groups[name] = group
        return group


def lineage(room) -> list:
    """The levels whose rules ``room`` follows, nearest first: the room, its group
    (if it has one), the whole chat (its ``__parent__``, the rooms container)."""
    levels = [room]
    container = room.__parent__
    group_name = getattr(room, "group", None)
    groups = getattr(container, "groups", None)
    if group_name and groups is not None:
        group = groups.get(group_name)
        if group is not None:
            levels.append(group)
    if container is not None:
        levels.append(container)
    return levels


def rules_of(level, make: bool = False) -> Rules | None:
    """``level``'s Rules; made (and kept) when ``make`` and it has none."""
    rules = getattr(level, "rules", None)
    if rules is None and make:
        rules = level.rules = Rules()
    return rules
