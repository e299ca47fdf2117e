"""Rooms: the persistent tree Pyramid traverses (Root -> rooms -> Room), and slugs.

``resources`` holds the persistent classes, ``slugs`` what may name a room,
``evolve`` the numbered schema steps. Views of these live in ``web``.
"""

from .lines import StoredLine
from .resources import Room, Rooms, Root
from .slugs import MAX_LENGTH, BadRoomName, check_slug, slug_for, slugify

__all__ = [
    "MAX_LENGTH",
    "BadRoomName",
    "Room",
    "Rooms",
    "Root",
    "StoredLine",
    "check_slug",
    "slug_for",
    "slugify",
]
