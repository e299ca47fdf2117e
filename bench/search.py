"""What the search costs: indexing per line, writing with and without the index, queries
at a million stored lines. Not a test: numbers, written to bench/results/search.md.

    .venv/bin/python -m bench.search [--lines 1000000] [--rooms 100] [--round 2000]
                                     [--build-round 20000]
                                     [--write-lines 20000] [--queries 100]

1. The index's cost per line: LINES lines of generated chat (words drawn from a
   Zipf-distributed vocabulary of 30,000, 4-14 words a line) are stored straight
   into ROOMS rooms of a temporary FileStorage (Room.add_new), each batch then
   indexed as the writer's rounds index them (SearchIndex.index_room per room,
   one transaction per batch): CPU µs per line (this process's, index and
   commit) and bytes the file grew per line, over the whole build (batches of
   BUILD_ROUND, quicker) and over its last tenth (the index at its biggest, in
   batches of ROUND: what the writer's once-a-second round indexes at ROUND
   lines a second).
2. Lines per second written through the real ZODBHistory and Writer (fsync on,
   WRITE_LINES lines queued with append_soon over ROOMS rooms, until the writer is
   idle, its later rounds included), with the index's rounds and with them
   switched off, each twice, alternately.
3. Queries at LINES stored lines: QUERIES of each kind through ZODBSearch (a fresh
   short read each, as the pages do): wall-clock p50 and p99.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import transaction  # noqa: E402

from piratechat.rooms.evolve import evolve  # noqa: E402
from piratechat.search.service import ZODBSearch  # noqa: E402
from piratechat.storage import history as history_module  # noqa: E402
from piratechat.storage.database import app_root, open_database, reading  # noqa: E402
from piratechat.storage.history import ZODBHistory  # noqa: E402
from piratechat.storage.writer import Writer  # noqa: E402
from piratechat.timestamps import iso_us  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "search.md"
VOCABULARY = 30_000
START = datetime(2026, 1, 1, tzinfo=UTC)


class Chatter:
    """Lines of made-up words, drawn by rank from a Zipf distribution (s = 1.07)."""

    def __init__(self, seed: int = 21):
        self.random = random.Random(seed)
        syllables = ["ka", "ro", "mi", "tu", "se", "na", "bo", "li", "qua", "zen", "dor",
                     "fi", "gra", "hu", "pel", "vos", "wy", "xa", "jo", "ek"]
        made = set()
        while len(made) < VOCABULARY:
            made.add("".join(self.random.choices(syllables, k=self.random.randint(1, 4))))
        self.words = sorted(made, key=lambda word: (len(word), word))  # short ones common
        weights = [1 / (rank ** 1.07) for rank in range(1, VOCABULARY + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def line(self) -> str:
        count = self.random.randint(4, 14)
        return " ".join(self.random.choices(self.words, cum_weights=self.cumulative, k=count))


def build(path: Path, lines: int, rooms: int, round_size: int, chatter: Chatter,
          build_round: int) -> dict:
    """Store ``lines`` lines, then index them round by round; what indexing cost. The
    first nine tenths go in rounds of ``build_round`` (quicker), the last tenth in
    rounds of ``round_size``, as a busy writer indexes them."""
    db = open_database(f"file://{path}")
    evolve(db)
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    root = app_root(connection)
    index = root.search_index
    slugs = [f"room-{n}" for n in range(rooms)]
    for slug in slugs:
        root.rooms.add(slug)
    manager.commit()
    cpu_total = grown_total = 0.0
    cpu_last = grown_last = 0.0
    last_tenth = lines - lines // 10
    stored_bytes = 0
    started = time.monotonic()
    first = 0
    while first < lines:
        count = min(round_size if first >= last_tenth else build_round, lines - first)
        if first < last_tenth:
            count = min(count, last_tenth - first)
        size = path.stat().st_size
        for n in range(first, first + count):
            room = root.rooms.get(slugs[n % rooms])
            room.add_new("Ann", START + timedelta(milliseconds=n), chatter.line(),
                         "arr", "pirate")
        manager.commit()
        stored_bytes += path.stat().st_size - size
        size, cpu = path.stat().st_size, time.process_time()
        for slug in slugs:
            index.index_room(root.rooms.get(slug), limit=None)
        manager.commit()
        cpu, grown = time.process_time() - cpu, path.stat().st_size - size
        cpu_total += cpu
        grown_total += grown
        if first >= last_tenth:
            cpu_last += cpu
            grown_last += grown
        connection.cacheGC()
        if (first + count) % 100_000 < count:
            print(f"  {first + count:,} lines stored and indexed "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
        first += count
    manager.abort()
    connection.close()
    db.close()
    tenth = lines - last_tenth
    return {"lines": lines, "seconds": time.monotonic() - started,
            "cpu_us": cpu_total / lines * 1e6, "bytes": grown_total / lines,
            "cpu_us_last": cpu_last / tenth * 1e6, "bytes_last": grown_last / tenth,
            "line_bytes": stored_bytes / lines, "file": path.stat().st_size}


def write_rate(folder: Path, lines: int, rooms: int, chatter: Chatter, indexed: bool) -> float:
    """Lines a second stored by the real writer, its later rounds included."""
    path = folder / f"write-{indexed}-{time.monotonic_ns()}.fs"
    db = open_database(f"file://{path}")
    evolve(db)
    history = ZODBHistory(db, Writer(db))
    keep = history_module._index
    if not indexed:
        history_module._index = lambda room, root: None
    texts = [chatter.line() for _ in range(lines)]
    done = gevent.event.Event()
    told = [0]

    def tell(stored, error):
        told[0] += 1
        if told[0] == lines:
            done.set()

    try:
        started = time.monotonic()
        for n, text in enumerate(texts):
            history.append_soon(f"room-{n % rooms}", {
                "author": "Ann", "text": text, "translation": "arr", "translator": "pirate",
                "at": iso_us(int(time.time() * 1e6))}, tell)
            if n % 200 == 199:
                gevent.sleep(0)  # as sessions queue lines: a few at a time
        done.wait()
        assert history.writer.drain(120)
        seconds = time.monotonic() - started
    finally:
        history_module._index = keep
        history.writer.close()
        db.close()
    return lines / seconds


def queries(path: Path, chatter: Chatter, count: int, rooms: int, lines: int) -> dict:
    """Wall-clock ms of each kind of query on the built database."""
    db = open_database(f"file://{path}")
    search = ZODBSearch(db, None)
    pick = random.Random(7)
    words = chatter.words
    with reading(db) as root:  # phrases: two words that follow one another in some line
        said = [root.rooms.get(f"room-{pick.randrange(rooms)}").history.line(
            pick.randint(1, lines // rooms)).text.split() for _ in range(count)]
    kinds = {
        "common word (rank 1-10)": lambda: words[pick.randrange(10)],
        "middling word (rank 100-1000)": lambda: words[pick.randrange(100, 1000)],
        "rare word (rank 5000-30000)": lambda: words[pick.randrange(5000, VOCABULARY)],
        "two middling words": lambda: (f"{words[pick.randrange(100, 1000)]} "
                                       f"{words[pick.randrange(100, 1000)]}"),
        "common and rare word": lambda: (f"{words[pick.randrange(10)]} "
                                         f"{words[pick.randrange(5000, VOCABULARY)]}"),
        "phrase of two words": lambda: '"{} {}"'.format(*pick.choice(said)[:2]),
    }
    results = {}
    every = []
    for kind, make in kinds.items():
        times = []
        for _ in range(count):
            query = make()
            room = f"room-{pick.randrange(rooms)}" if pick.random() < 0.5 else None
            started = time.perf_counter()
            search.search(query, room=room)
            times.append((time.perf_counter() - started) * 1000)
        every += times
        results[kind] = _percentiles(times)
    results["all"] = _percentiles(every)
    db.close()
    return results


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--round", type=int, default=2000)
    parser.add_argument("--build-round", type=int, default=20_000)
    parser.add_argument("--write-lines", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    options = parser.parse_args()
    chatter = Chatter()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        print("write rates (with, without the index's rounds)...", flush=True)
        rates = {True: [], False: []}
        for indexed in (False, True, False, True) if options.write_lines else ():
            rates[indexed].append(write_rate(folder, options.write_lines, options.rooms,
                                             chatter, indexed))
            print(f"  index {'on' if indexed else 'off'}: {rates[indexed][-1]:,.0f} lines/s",
                  flush=True)
        print(f"building {options.lines:,} lines...", flush=True)
        path = folder / "Data.fs"
        built = build(path, options.lines, options.rooms, options.round, chatter,
                      options.build_round)
        print("queries...", flush=True)
        asked = queries(path, chatter, options.queries, options.rooms, options.lines)
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    report = _report(options, built, rates, asked)
    options.out.write_text(report)
    print(report)


def _report(options, built: dict, rates: dict, asked: dict) -> str:
    on, off = (statistics.median(rates[True]), statistics.median(rates[False])) if rates[
        True] else (float("nan"), float("nan"))
    rows = "\n".join(f"| {kind} | {p50:.2f} | {p99:.2f} |" for kind, (p50, p99) in asked.items())
    return f"""# Search: what the index costs (bench/search.py)

`python -m bench.search --lines {options.lines} --rooms {options.rooms} --round {options.round}
--build-round {options.build_round} --write-lines {options.write_lines} --queries \
{options.queries}` on {os.uname().nodename}
({os.cpu_count()} cores, shared with other work), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.

## Index cost per line (FileStorage, {options.rooms} rooms; CPU of index and commit)

| | CPU µs per line | bytes stored per line |
|---|---|---|
| whole build ({built['lines']:,} lines; rounds of {options.build_round:,}, \
the last tenth of {options.round:,}) | {built['cpu_us']:.1f} | {built['bytes']:.0f} |
| last tenth (index at its biggest), rounds of {options.round:,} lines (a writer's \
1 s round at {options.round:,} lines/s) | {built['cpu_us_last']:.1f} | {built['bytes_last']:.0f} |
| the lines themselves, for comparison | | {built['line_bytes']:.0f} |

Built in {built['seconds']:.0f} s; the file (unpacked) is {built['file'] / 2**20:,.0f} MiB.

## Lines per second written (real Writer, fsync on, {options.write_lines:,} lines, \
{options.rooms} rooms)

| index rounds | runs (lines/s) | median |
|---|---|---|
| on | {', '.join(f'{rate:,.0f}' for rate in rates[True])} | {on:,.0f} |
| off | {', '.join(f'{rate:,.0f}' for rate in rates[False])} | {off:,.0f} |

With the index: {(1 - on / off) * 100:+.1f}% slower (goal: at most 10%).

## Queries at {options.lines:,} stored lines (ms, wall clock; {options.queries} of each kind,
half of them in one room)

| query | p50 | p99 |
|---|---|---|
{rows}

Goal: p99 under 50 ms.
"""


if __name__ == "__main__":
    main()
