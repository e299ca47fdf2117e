"""A reader while the writer commits back to back, in a gevent-patched process as the server runs.

Run by test_history.py as ``python -m tests.integration.busy_writer SLICE_SIZE DATA_FS``
(``whole`` for ``slice_size=None``); prints what happened as JSON.

Every line told durable queues one more, so the writer always finds a batch
waiting: it never idles between commits, as at 5,000 lines/s on a starved
machine. A reader then reads the room (as a join or the sequencer's gap fill
does). FileStorage lets a reader take its file only while no commit is
waiting for the write lock, so a reader gets through only if the writer lets
others run between one commit's end and the next one's start. The feed stops
after ``MAX_COMMITS`` commits, so a starved reader shows as one that waited
them all, not as a hang.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402

from piratechat.chat.core.messages import now  # noqa: E402
from piratechat.rooms.evolve import evolve  # noqa: E402
from piratechat.storage.database import open_database  # noqa: E402
from piratechat.storage.history import ZODBHistory  # noqa: E402
from piratechat.storage.writer import Writer  # noqa: E402

MAX_COMMITS = 40  # the feed stops after these: the writer then idles and any reader passes
BACKLOG = 400  # lines queued at any time while feeding: two batches of 200


def said(n: int) -> dict:
    return {"author": "Ann", "text": f"l{n}", "translation": f"L{n}", "translator": "echo",
            "at": now()}


def main(slice_size: str, data_fs: str) -> dict:
    db = open_database(f"file://{data_fs}")
    evolve(db)
    size = None if slice_size == "whole" else int(slice_size)
    writer = Writer(db, max_batch=200, slice_size=size)
    history = ZODBHistory(db, writer)
    history.append("deck", said(0))
    fed = [0]
    feeding_done = Event()

    def feed_one() -> None:
        fed[0] += 1
        history.append_soon("deck", said(fed[0]), told)

    def told(stored, error) -> None:
        if error is not None:
            raise error
        if writer.commits < MAX_COMMITS:
            feed_one()  # the writer finds the next batch waiting
        else:
            feeding_done.set()

    for _ in range(BACKLOG):
        feed_one()
    while writer.commits < 3:  # the writer is in its stride
        gevent.sleep(0.01)
    started_at = writer.commits
    reader = gevent.spawn(history.after, "deck", 0, 50)
    reader.join(timeout=60)
    read_at = writer.commits
    feeding_done.wait(60)
    writer.drain(60)
    result = {"read": reader.successful() and len(reader.value) == 50,
              "commits_while_reading": read_at - started_at,
              "commits": writer.commits, "lines": history.since("deck", 0, 0)[0],
              "fed": fed[0] + 1}
    writer.close()
    db.close()
    return result


if __name__ == "__main__":
    json.dump(main(sys.argv[1], sys.argv[2]), sys.stdout)
