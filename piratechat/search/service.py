"""ISearch on the ZODB index: each search is one short read of its own."""

from __future__ import annotations

from ..storage.database import reading
from .index import Found
from .words import parse


class ZODBSearch:
    def __init__(self, db, writer):
        self.db = db
        self.writer = writer

    def search(self, query: str, room: str | None = None, before: int | None = None,
               limit: int = 20) -> Found:
        asked = parse(query)  # BadQuery before the database is opened
        with reading(self.db) as root:
            index = root.search_index
            if index is None:  # not evolved to schema 7: this code evolves on start
                return Found([], None)
            return index.search(root, asked, room, before, limit)

    def unindex(self, room: str, seq: int) -> bool:
        """Through the writer, so the change commits like any other."""
        return self.writer.submit(lambda root: root.search_index.unindex(root, room, seq))
