"""The connection benchmark's driver: PirateChat beside its peers.

For every cell of the matrix (scenario x N x server) it starts the server
fresh on a free 127.0.0.1 port, runs bench/loadgen.js against it, reads the
server's memory and CPU from /proc (and its send syscalls with perf), stops
the server, and finally writes bench/results/<tag>.{json,md,png}. Everything
is bounded: each run has a deadline, and the generator has its own.

    python -m bench --quick                    # ~2 minutes, N=1000, one room
    python -m bench                            # the full matrix (~30 minutes)
    python -m bench --scenarios single --n 1000,5000,10000
    python -m bench --servers piratechat --n 10000 --profile --tag profile
    python -m bench --servers piratechat,piratechat-framed --scenarios overload  # window on/off
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from .cells import MAX_N, SCENARIOS, plan
from .machine import machine
from .run import RESULTS, Row, run_cell, summary
from .servers import BENCH, DEFAULT_SERVERS, FRAMED_SERVERS, NO_WINDOW, SERVERS, WINDOW_VAR
from .source import piratechat_settings, snapshot, source_description
from .syscalls import unavailable

# Options that take one number: (option, type, default, help).
NUMBERS = [
    ("--senders", int, 10, "senders in the single room"),
    ("--interval", float, 2.0, "seconds between one sender's lines"),
    ("--duration", float, 20.0, "seconds of sending per run"),
    ("--overload-n", int, 1000, "connections in the overload scenario's one room"),
    ("--overload-duration", float, 10.0, "seconds of sending per overload step"),
    ("--procs", int, 0, "generator processes (0: max(2, N/15000))"),
    ("--source-addrs", int, None, "spread clients over 127.0.0.2..(A+1) (none: past 25,000)"),
    ("--settle", float, 2.0, "idle seconds before reading RSS"),
    ("--drain-timeout", float, 60.0, "seconds to wait for stragglers after the last send"),
    ("--run-timeout", float, 300.0, "hard limit of one run, seconds"),
    (
        "--quiet-threshold",
        float,
        20.0,
        "before each run wait until other processes use at most this CPU %% (of 200)",
    ),
    ("--quiet-wait", float, 60.0, "...but wait at most this many seconds"),
]
# Options that take a comma list: (option, default, help).
LISTS = [
    ("--servers", ",".join(DEFAULT_SERVERS), f"from {','.join(SERVERS)}"),
    ("--scenarios", ",".join(SCENARIOS), f"from {', '.join(SCENARIOS)}"),
    ("--n", f"1000,5000,10000,{MAX_N}", "connection counts ('max': the most one process may)"),
    ("--overload-rates", "100,200,400", "offered lines/s into the one room, stepped"),
    (
        "--coalesce",
        "overload",
        f"scenarios in which each PirateChat server also runs with its coalescing window "
        f"off ({WINDOW_VAR}=0, as <name>{NO_WINDOW}) right after it; 'all', or '' for none",
    ),
]
# Switches: (option, help).
FLAGS = [
    ("--quick", "smoke run: N=1000, one room, 12 s per server (~2 minutes)"),
    ("--framed", f"also run the SockJS framed WebSocket transport ({', '.join(FRAMED_SERVERS)})"),
    ("--profile", "py-spy the PirateChat worker during the send phase (results/profile*)"),
    ("--profile-joins", "py-spy the PirateChat worker while the clients connect and join "
     "(results/profile-joins-N.txt)"),
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for flag, help in FLAGS:
        p.add_argument(flag, action="store_true", help=help)
    for flag, default, help in LISTS:
        p.add_argument(flag, default=default, help=f"comma list {help} (default %(default)s)")
    for flag, kind, default, help in NUMBERS:
        p.add_argument(flag, type=kind, default=default, help=f"{help} (default %(default)s)")
    p.add_argument(
        "--syscalls",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="count the server's send syscalls with `perf stat` (default: when perf can)",
    )
    p.add_argument(
        "--piratechat-rev",
        default=None,
        help="run PirateChat from `git archive REV` (e.g. HEAD) instead of the work tree",
    )
    p.add_argument("--tag", default="latest", help="results/<tag>.{md,json,png} (default latest)")
    args = p.parse_args(argv)

    def items(text: str) -> list[str]:
        return [x for x in text.split(",") if x]

    args.servers = items(args.servers)
    if args.framed:
        args.servers += [s for s in FRAMED_SERVERS if s not in args.servers]
    for s in args.servers:
        if s not in SERVERS:
            p.error(f"unknown server {s!r}")
    args.scenarios = items(args.scenarios)
    args.coalesce = SCENARIOS if args.coalesce == "all" else items(args.coalesce)
    for s in args.scenarios + args.coalesce:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s!r}")
    args.n = [min(int(x), MAX_N) if x != "max" else MAX_N for x in items(args.n)]
    args.overload_rates = [float(x) for x in items(args.overload_rates)]
    if args.quick:
        args.scenarios, args.n, args.duration = ["single"], [1000], 12.0
    return args


def write_results(path: Path, info: dict, rows: list[Row]) -> None:
    path.write_text(json.dumps({"info": info, "rows": [r.to_json() for r in rows]}, indent=1))


def main(argv=None) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # ulimit -n as high as allowed
    if not (BENCH / "node_modules" / "ws").is_dir():
        raise SystemExit(
            "bench/node_modules is missing: run `cd bench && npm ci` (make bench does)"
        )
    RESULTS.mkdir(exist_ok=True)
    runs = plan(args)
    names = list(dict.fromkeys(name for _, name in runs))
    info = {
        "machine": machine(),
        "argv": ["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)],
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    why_not = unavailable() if args.syscalls is not False else "--no-syscalls"
    if args.syscalls and why_not:
        raise SystemExit(f"--syscalls: {why_not}")
    args.syscalls = why_not is None
    info["syscalls"] = "counted with perf stat" if args.syscalls else f"not counted: {why_not}"
    print(
        f"bench: {len(runs)} runs of {len(names)} servers; send syscalls {info['syscalls']}; "
        f"machine {info['machine']}",
        flush=True,
    )
    rows: list[Row] = []
    out_json = RESULTS / f"{args.tag}.json"
    with tempfile.TemporaryDirectory(prefix="piratechat-bench-") as tmp:
        args.piratechat_src = None
        if args.piratechat_rev:
            args.piratechat_src = snapshot(args.piratechat_rev, Path(tmp) / "src")
        info["piratechat_source"] = source_description(args.piratechat_rev)
        info["piratechat_settings"] = piratechat_settings(args.piratechat_src)
        # What each PirateChat variant parses from its environment (its window...).
        info["piratechat_settings_by_server"] = {
            name: piratechat_settings(args.piratechat_src, SERVERS[name].env())
            for name in names
            if SERVERS[name].gunicorn
        }
        print(
            f"bench: PirateChat from {info['piratechat_source']}, settings "
            f"{info['piratechat_settings']}",
            flush=True,
        )
        for cell, name in runs:
            print(
                f"[{len(rows) + 1}/{len(runs)}] {cell.scenario} N={cell.n} "
                f"rooms={cell.rooms} {cell.senders}x every {cell.interval:g}s "
                f"({cell.offered_deliveries_per_second:,.0f} deliveries/s offered) -> {name}",
                flush=True,
            )
            rows.append(run_cell(cell, SERVERS[name], args, Path(tmp)))
            print("    " + summary(rows[-1]), flush=True)
            write_results(out_json, info, rows)
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    write_results(out_json, info, rows)
    from .report import write_report

    md, png = write_report(out_json)
    print(f"bench: wrote {md}, {png}, {out_json}", flush=True)
    failed = [f"{row.server} {row.cell.scenario} N={row.cell.n}" for row in rows if not row.ok]
    if failed:  # refused clients, a lost server...: a failed run, whatever else it measured
        print(f"bench: FAILED runs: {', '.join(failed)}", flush=True)
        return 1
    return 0
