"""Where PirateChat's worker spends its time, from py-spy's raw (collapsed) stacks.

    .venv/bin/python -m bench.profile_summary bench/results/profile-single-10000-after.txt

`python -m bench --profile` records them (py-spy record --format raw --idle)
for the send phase. Each sample is put in the first bucket that matches,
most specific first; the table gives each bucket's share of all samples.
py-spy samples wall-clock time: on a busy 2-core machine a preempted process
is charged to where it stood, so read shares, not microseconds.
"""

from __future__ import annotations

import sys
from collections import Counter

# (bucket, test on the list of frame names, leaf last)
BUCKETS = [
    (
        "the fsync thread, waiting (a second thread: not the worker's CPU)",
        lambda f: any(x.startswith("_WorkerGreenlet.run") for x in f)
        and f[-1].startswith("acquire_with_timeout"),
    ),
    (
        "the fsync thread, fsyncing (mostly waiting on the disk)",
        lambda f: any(x.startswith("_WorkerGreenlet.run") for x in f),
    ),
    (
        "send() syscall (kernel loopback TCP included)",
        lambda f: f[-1].startswith(("SocketMixin.send (", "send (", "Conn.try_send (")),
    ),
    (
        "hub fan-out per recipient: Session.send, send_now, checks (send() excluded)",
        lambda f: any(x.startswith(("Hub.deliver", "Hub._fan_out")) for x in f),
    ),
    (
        "publish per line: Chat.publish (json.dumps), sequencer, hub queue",
        lambda f: any(x.startswith(("Chat.publish", "Sequencer.")) for x in f),
    ),
    (
        "writer: ZODB transaction, savepoints, pickling, commit",
        lambda f: any(x.startswith("Writer._run") for x in f),
    ),
    (
        "say path per line: the translator (lookup, guard, translation)",
        lambda f: any(x.startswith(("Chat.translator", "TranslationBudget.translate"))
                      for x in f),
    ),
    (
        "say path per line: parse, rules, limits, new line, queue for the writer",
        lambda f: any(x.startswith("Chat.say") or x.startswith("ChatSession.on_") for x in f),
    ),
    (
        "reading client frames (recv, plain frames or wsproto receive)",
        lambda f: any("messages (" in x or "recv" in x or x.startswith(
            ("WebSocketReceiver._read", "Rfc6455.feed", "Rfc6455._feed")) for x in f),
    ),
    (
        "wsproto framing per recipient (Connection.send, FrameProtocol)",
        lambda f: (
            any("wsproto/" in x and "receive" not in x and "events" not in x for x in f)
            and not any("messages (" in x for x in f)
        ),
    ),
    (
        "writer wake-up: Session.take / Event.wait + a Timeout per wait",
        lambda f: any(x.startswith("Session.take") or x.startswith("Timeout.") for x in f),
    ),
    (
        "gevent socket wrapper: sendall/_sendall/__send_chunk/getsockopt",
        lambda f: any("gevent/_socketcommon.py" in x for x in f),
    ),
    (
        "writer own code: send_text/send_bytes/Semaphore/TextMessage()",
        lambda f: any(
            x.startswith(("WebSocket.send_", "_raw_writer", "_sockjs_writer")) for x in f
        ),
    ),
    (
        "hub loop: epoll wait and libev callbacks (idle included)",
        lambda f: f[-1].startswith("Hub.run"),
    ),
    ("other", lambda f: True),
]

#: Buckets of threads other than the worker's main one, left out of its shares.
OTHER_THREADS = 2


def summarize(path: str) -> list[tuple[str, int, float]]:
    counts: Counter = Counter()
    total = 0
    for line in open(path):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        total += int(n)
        for name, test in BUCKETS:
            if test(frames):
                counts[name] += int(n)
                break
    return [(name, counts[name], 100 * counts[name] / max(1, total)) for name, _ in BUCKETS]


def main(argv=None) -> int:
    for path in argv or sys.argv[1:]:
        rows = summarize(path)
        total = sum(r[1] for r in rows)
        worker = sum(r[1] for r in rows[OTHER_THREADS:])
        print(f"{path}: {total} samples, {worker} of the worker's main thread\n")
        print("| bucket | samples | share | share of the main thread |\n|---|---|---|---|")
        for i, (name, n, share) in enumerate(rows):
            own = "" if i < OTHER_THREADS else f"{100 * n / max(1, worker):.1f}%"
            print(f"| {name} | {n} | {share:.1f}% | {own} |")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
