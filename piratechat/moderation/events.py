"""What moderation tells the rest of the app: a line was taken back.

``zope.event.notify(LineRetracted(...))`` is called inside the transaction that
takes the line back (ZODBHistory) and after it (MemoryHistory), so whatever
keeps a copy of lines (the search index, issue 21) drops its entry: a
subscriber that writes ZODB writes in that same transaction, and one that
raises fails the retraction (then nothing is taken back). Subscribers may be
called twice for one line (the writer runs a batch again after a conflict):
dropping an entry must be idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineRetracted:
    room: str
    seq: int
    #: The app's Root in the taking-back transaction (ZODBHistory), or None.
    root: object = None
