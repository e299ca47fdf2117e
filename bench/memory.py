"""Where PirateChat's memory per idle connection goes, by allocating source line.

    .venv/bin/python -m bench.memory [--n 2000] [--piratechat-rev HEAD]

Runs PirateChat as the bench does (gunicorn, one gevent worker) with
tracemalloc on (PYTHONTRACEMALLOC), connects N idle clients with the bench's
generator, and compares the worker's traced allocations before and after:
the lines that allocate the most per connection, and how much of the RSS
growth is Python allocations at all (the rest: greenlet/libev C memory,
allocator overhead). tracemalloc makes everything slower and bigger; read
the shares, and take RSS per connection from the real runs.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from .procfs import proc_rss_kb
from .servers import BENCH, REPO, SERVERS, Running
from .source import snapshot

HOOK = """
import os, pickle, tracemalloc
_here = {conf!r}
if os.path.exists(_here):
    exec(compile(open(_here).read(), _here, "exec"))

def post_worker_init(worker):
    import gevent

    def watch():
        n = 0
        while True:
            gevent.sleep(0.2)
            req = {req!r} + str(n)
            if os.path.exists(req):
                import gc
                gc.collect()
                snap = tracemalloc.take_snapshot()
                with open(req + ".snap", "wb") as f:
                    pickle.dump(snap, f)
                os.rename(req + ".snap", req + ".done")
                n += 1

    gevent.spawn(watch)
"""


def take(req: Path, n: int, timeout: float = 120) -> tracemalloc.Snapshot:
    Path(f"{req}{n}").touch()
    done = Path(f"{req}{n}.done")
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not write its snapshot")
        time.sleep(0.2)
    with open(done, "rb") as f:
        return pickle.load(f)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--frames", type=int, default=8, help="traceback depth kept by tracemalloc")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--piratechat-rev", default=None)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="piratechat-mem-") as tmp:
        tmp = Path(tmp)
        src = snapshot(args.piratechat_rev, tmp / "src") if args.piratechat_rev else None
        conf = tmp / "hook.py"
        req = tmp / "snap-request-"
        conf.write_text(HOOK.format(conf=str((src or REPO) / "gunicorn.conf.py"), req=str(req)))
        server = SERVERS["piratechat"]
        real_env = server.env

        def env():  # the bench's environment plus tracemalloc from the first line
            return dict(real_env(), PYTHONTRACEMALLOC=str(args.frames))

        server.env = env
        # gunicorn reads only one config file: ours, which runs the project's first.
        orig_command = server.command
        server.command = lambda port, ini=None: orig_command(port, ini) + ["--config", str(conf)]
        run = Running(server, tmp / "server.log", tmp, src)
        gen = None
        try:
            run.wait_ready(60)
            time.sleep(1)
            before = take(req, 0)
            rss0 = proc_rss_kb(run.pid)
            gen = subprocess.Popen(
                [
                    "node",
                    str(BENCH / "loadgen.js"),
                    "--url",
                    run.url,
                    "--n",
                    str(args.n),
                    "--senders",
                    "0",
                    "--lines",
                    "1",
                    "--procs",
                    "2",
                    "--wait-go",
                    "--max-seconds",
                    "300",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=BENCH,
            )
            for line in gen.stdout:
                event = json.loads(line)
                if event["event"] == "connected":
                    break
            time.sleep(2)
            established = event["established"]
            rss1 = proc_rss_kb(run.pid)
            after = take(req, 1)
            gen.stdin.write("go\n")
            gen.stdin.flush()
            gen.wait(60)
        finally:
            if gen is not None and gen.poll() is None:
                gen.kill()
            run.stop()
        stats = after.compare_to(before, "lineno")
        traced = sum(s.size_diff for s in stats)
        print(
            f"{established} idle connections: RSS +{(rss1 - rss0) / established:.1f} KB/conn "
            f"(under tracemalloc), traced Python allocations +{traced / established / 1024:.1f} "
            f"KB/conn\n"
        )
        print("| allocated at | bytes per connection | blocks per connection |")
        print("|---|---|---|")
        for s in stats[: args.top]:
            frame = s.traceback[0]
            name = frame.filename.replace(str(src or REPO) + "/", "")
            name = name.split("site-packages/")[-1]
            print(
                f"| {name}:{frame.lineno} | {s.size_diff / established:,.0f} "
                f"| {s.count_diff / established:.1f} |"
            )
        by_file = {}
        for s in stats:
            name = (
                s.traceback[0]
                .filename.split("site-packages/")[-1]
                .replace(str(src or REPO) + "/", "")
            )
            by_file[name] = by_file.get(name, 0) + s.size_diff
        print("\n| file | bytes per connection |\n|---|---|")
        for name, size in sorted(by_file.items(), key=lambda kv: -kv[1])[:15]:
            print(f"| {name} | {size / established:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
