"""bench/results/<tag>.json -> <tag>.md (tables) and <tag>.png (plot).

python -m bench.report bench/results/latest.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

NO_WINDOW = "-nowindow"  # PirateChat with its coalescing window off (bench/servers.py)
WINDOW_VAR = "PIRATECHAT_COALESCE_MS"
ORDER = [
    "piratechat",
    "piratechat" + NO_WINDOW,
    "piratechat-framed",
    "piratechat-framed" + NO_WINDOW,
    "ws",
    "websockets",
    "sockjs",
    "sockjs-framed",
]
PEERS = ["ws", "websockets", "sockjs"]
COLORS = {
    "piratechat": "tab:red",
    "piratechat-framed": "tab:pink",
    "ws": "tab:blue",
    "websockets": "tab:green",
    "sockjs": "tab:orange",
    "sockjs-framed": "tab:brown",
}


def _f(x, fmt="{:,.0f}", none="–"):
    return none if x is None else fmt.format(x)


def _row_key(row):
    c = row["cell"]
    return (c["scenario"], c["n"], c["senders"] / c["interval"])


def _us_per_delivery(row):
    r = row["result"]
    if not r or not r.get("delivered") or row.get("server_cpu_seconds") is None:
        return None
    return 1e6 * row["server_cpu_seconds"] / r["delivered"]


def _env_missing(row) -> list[str]:
    """PIRATECHAT_* variables the bench set that the measured process did not have."""
    if "worker_env" not in row or not row["ok"]:
        return []  # results from before the bench read the worker's environment
    env, seen = row.get("server_env") or {}, row["worker_env"]
    return [k for k, v in env.items() if k.startswith("PIRATECHAT_") and seen.get(k) != v]


def _notes(row) -> str:
    notes = []
    if not row["ok"]:
        notes.append("FAILED: " + row["error"])
    r = row["result"]
    if r:
        if r["failed"]:
            notes.append(f"{r['failed']} conns failed {r['failReasons']}")
        if r["closedDuringRun"]:
            notes.append(f"{r['closedDuringRun']} closed during run {r['closeCodes']}")
        if r.get("stale"):
            notes.append(f"{r['stale']:,} stale (said before the run: stored history)")
        if r["misrouted"]:
            notes.append(f"{r['misrouted']:,} misrouted")
        if r["errorsFromServer"]:
            notes.append(f"{r['errorsFromServer']} server errors {r['errorSamples'][:1]}")
        g = r["generator"]
        if max(g["workerCpuPercent"]) > 80:
            notes.append("generator busy (>80% of a core)")
        other = (
            (row.get("machine_cpu_percent") or 0)
            - (row.get("server_cpu_percent") or 0)
            - g["totalCpuPercent"]
        )
        if other > 25:
            notes.append(f"other processes used ~{other:.0f}% CPU")
    parts = row.get("server_cpu_parts") or {}
    delivered = (r or {}).get("delivered")
    if len(parts) > 1 and delivered:
        notes.append("µs CPU / delivery by part: " + ", ".join(
            f"{name} {1e6 * seconds / delivered:.1f}" for name, seconds in parts.items()))
    if (row.get("background_cpu_percent") or 0) > 25:
        notes.append(f"machine {row['background_cpu_percent']:.0f}% busy before the run")
    gc = row.get("gc")
    if gc and gc["passes"]:
        notes.append(f"{gc['passes']:.0f} full GC passes, {1000 * gc['seconds']:.0f} ms in all "
                     f"(longest so far {gc['longest_ms']:.0f} ms)")
    if row.get("worker_restarted"):
        notes.append("gunicorn worker restarted")
    if row.get("log_findings"):
        notes.append("log: " + ", ".join(row["log_findings"]))
    if _env_missing(row):
        notes.append("NOT in the worker's environment: " + ", ".join(_env_missing(row)))
    return "; ".join(notes)


def table(rows) -> list[str]:
    out = [
        "| scenario | N | rooms | server | conns ok / failed | server KB per idle conn "
        "| offered deliveries/s | delivered/s | p50 ms | p99 ms | max ms | lost | dup "
        "| server CPU % | server µs CPU / delivery | generator CPU % (per proc) "
        "| gen. loop lag p99 ms | machine CPU % (of 200) | reads / line | frames / line "
        "| server send syscalls / line | notes |",
        "|" + "---|" * 22,
    ]
    for row in rows:
        c, r = row["cell"], row["result"]
        lat = r.get("latencyMs", {}) if r else {}
        g = r.get("generator") if r else None
        out.append(
            "| "
            + " | ".join(
                [
                    c["scenario"],
                    f"{c['n']:,}",
                    str(c["rooms"]),
                    row["server"],
                    f"{r['established']:,} / {r['failed']:,}" if r else "–",
                    _f(row.get("rss_per_conn_kb"), "{:.1f}"),
                    _f(r.get("offeredDeliveriesPerSecond")) if r else "–",
                    _f(r.get("deliveredPerSecond")) if r else "–",
                    _f(lat.get("p50"), "{:g}"),
                    _f(lat.get("p99"), "{:g}"),
                    _f(lat.get("max"), "{:.0f}"),
                    _f(r.get("lost")) if r else "–",
                    _f(r.get("duplicated")) if r else "–",
                    _f(row.get("server_cpu_percent")),
                    _f(_us_per_delivery(row), "{:.1f}"),
                    (
                        f"{g['totalCpuPercent']:.0f} "
                        f"({', '.join(f'{x:.0f}' for x in g['workerCpuPercent'])})"
                        if g
                        else "–"
                    ),
                    _f(g["loopDelayP99Ms"], "{:.0f}") if g else "–",
                    _f(row.get("machine_cpu_percent")),
                    _f(row.get("reads_per_line"), "{:.2f}"),
                    _f(row.get("frames_per_line"), "{:.2f}"),
                    _f(row.get("send_syscalls_per_line"), "{:.2f}"),
                    _notes(row),
                ]
            )
            + " |"
        )
    return out


def ratios(rows, pairs: list[tuple[str, str]]) -> list[str]:
    """Cell by cell, server a divided by server b, for each (a, b) of pairs
    (>1: a uses more / is slower / sends more)."""
    by = {}
    for row in rows:
        by.setdefault(_row_key(row), {})[row["server"]] = row
    out = [
        "| scenario | N | offered deliveries/s | ÷ | KB/conn ratio | p50 ratio | p99 ratio "
        "| CPU/delivery ratio | delivered/s ratio | reads/line ratio | send syscalls/line ratio |",
        "|" + "---|" * 11,
    ]

    def ratio(a, b, fmt="{:.2f}"):
        return fmt.format(a / b) if a is not None and b else "–"

    for key, servers in by.items():
        for a_name, b_name in pairs:
            pa, pb = servers.get(a_name), servers.get(b_name)
            if not pa or not pa["result"] or not pb or not pb["result"]:
                continue
            a, b = pa["result"], pb["result"]
            out.append(
                "| "
                + " | ".join(
                    [
                        key[0],
                        f"{key[1]:,}",
                        _f(a["offeredDeliveriesPerSecond"]),
                        f"{a_name} ÷ {b_name}",
                        ratio(pa.get("rss_per_conn_kb"), pb.get("rss_per_conn_kb")),
                        ratio(a["latencyMs"]["p50"], b["latencyMs"]["p50"]),
                        ratio(a["latencyMs"]["p99"], b["latencyMs"]["p99"]),
                        ratio(_us_per_delivery(pa), _us_per_delivery(pb)),
                        ratio(a["deliveredPerSecond"], b["deliveredPerSecond"]),
                        ratio(pa.get("reads_per_line"), pb.get("reads_per_line")),
                        ratio(pa.get("send_syscalls_per_line"), pb.get("send_syscalls_per_line")),
                    ]
                )
                + " |"
            )
    return out


def section(title: str, table: list[str]) -> list[str]:
    """A titled table, or nothing when the table has no rows (only its 2 header lines)."""
    return [f"## {title}", *table, ""] if len(table) > 2 else []


def window_pairs(rows) -> list[tuple[str, str]]:
    """(window on, window off) for each PirateChat server run both ways."""
    names = {row["server"] for row in rows}
    return [
        (n.removesuffix(NO_WINDOW), n)
        for n in ORDER
        if n.endswith(NO_WINDOW) and n in names and n.removesuffix(NO_WINDOW) in names
    ]


def window(info, rows) -> list[str]:
    """What PirateChat's coalescing window was in each PirateChat variant of the run."""
    names = [n for n in ORDER if n.startswith("piratechat") and any(r["server"] == n for r in rows)]
    by_server = info.get("piratechat_settings_by_server") or {}
    if not names or not by_server:
        return []
    out = [
        "## Coalescing window",
        f"`{WINDOW_VAR}` sets PirateChat's coalescing window in milliseconds (0: off; unset: the "
        "server's default): how long the server may hold lines for a member so that lines "
        "said close together go out to it in one send. The `-nowindow` variants are the same "
        "server with the window off; everything else about them is the same. Each PirateChat "
        "server of this run, with the setting as its code parses it from its environment:",
        "",
    ]
    for name in names:
        settings = by_server.get(name, {})
        found = {k: v for k, v in settings.items() if "coalesce" in k}
        env = next((r.get("server_env") or {} for r in rows if r["server"] == name), {})
        worker = next((r.get("worker_env") for r in rows if r["server"] == name and r["ok"]), None)
        given = f"{WINDOW_VAR}={env[WINDOW_VAR]}" if WINDOW_VAR in env else f"{WINDOW_VAR} unset"
        seen = (
            ""
            if worker is None
            else f", seen in the worker's environment: {worker.get(WINDOW_VAR, 'unset')}"
        )
        setting = (
            ", ".join(f"`{k} = {v}`" for k, v in found.items())
            if found
            else "no coalescing setting in this PirateChat (the variable is ignored: "
            "the variants run the same code)"
        )
        out.append(f"- `{name}`: {setting} ({given}{seen})")
    return out + [""]


def plot(rows, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    over = [r for r in rows if r["cell"]["scenario"] == "overload" and r["result"]]
    # With overload steps, a third row: latency and sends per line against the offered load
    # (where PirateChat's coalescing window shows, on and off).
    fig, axes = plt.subplots(3 if over else 2, 2, figsize=(13, 13 if over else 9))
    panels = [
        (axes[0][0], "p99 delivery latency (ms)", lambda r: r["result"]["latencyMs"]["p99"], True),
        (
            axes[0][1],
            "delivered lines/s (all receivers)",
            lambda r: r["result"]["deliveredPerSecond"],
            False,
        ),
        (
            axes[1][0],
            "server RSS per idle connection (KB)",
            lambda r: r.get("rss_per_conn_kb"),
            False,
        ),
        (axes[1][1], "server CPU per delivery (µs)", _us_per_delivery, False),
    ]
    styles = {"single": "-o", "rooms": "--s"}

    def look(server: str, style: str) -> dict:  # -nowindow: its server's color, dotted
        off = server.endswith(NO_WINDOW)
        return {
            "fmt": ":" + {"o": "x", "s": "D", "^": "v"}[style[-1]] if off else style,
            "color": COLORS.get(server.removesuffix(NO_WINDOW)),
        }

    for ax, title, get, logy in panels:
        for scenario, style in styles.items():
            for server in ORDER:
                pts = sorted(
                    (r["cell"]["n"], get(r))
                    for r in rows
                    if r["server"] == server
                    and r["cell"]["scenario"] == scenario
                    and r["result"]
                    and get(r) is not None
                )
                if pts:
                    ax.plot(
                        [p[0] for p in pts],
                        [p[1] for p in pts],
                        look(server, style)["fmt"],
                        color=look(server, style)["color"],
                        label=f"{server} ({scenario})",
                    )
        ax.set_title(title)
        ax.set_xlabel("connections N")
        if logy:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
    offered = sorted(
        {
            (r["cell"]["n"], r["result"]["offeredDeliveriesPerSecond"])
            for r in rows
            if r["cell"]["scenario"] in styles and r["result"]
        }
    )
    if offered:
        axes[0][1].plot(
            [p[0] for p in offered], [p[1] for p in offered], ":", color="gray", label="offered"
        )
    if axes[0][0].get_legend_handles_labels()[0]:
        axes[0][0].legend(fontsize=7)

    def overload_lines(ax, get) -> None:  # one line per server, x: offered deliveries/s
        for server in ORDER:
            pts = sorted(
                (r["result"]["offeredDeliveriesPerSecond"], get(r))
                for r in over
                if r["server"] == server and get(r) is not None
            )
            if pts:
                ax.plot(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    look(server, "-^")["fmt"],
                    color=look(server, "-^")["color"],
                    label=server,
                )

    if over:  # the overload steps: delivered against offered, as an inset of panel 2
        n = over[0]["cell"]["n"]
        ins = axes[0][1].inset_axes([0.09, 0.55, 0.36, 0.36])
        overload_lines(ins, lambda r: r["result"]["deliveredPerSecond"])
        ins.set_title(f"overload, N={n}: delivered vs offered", fontsize=7)
        ins.tick_params(labelsize=6)
        sends = "send_syscalls_per_line"
        if not any(r.get(sends) is not None for r in over):
            sends = "reads_per_line"  # no perf: the clients' reads
        for ax, title, get, logy in [
            (axes[2][0], "p99 delivery latency (ms)", lambda r: r["result"]["latencyMs"]["p99"], 1),
            (
                axes[2][1],
                sends.replace("_", " ").replace(" per ", " / "),
                lambda r: r.get(sends),
                0,
            ),
        ]:
            overload_lines(ax, get)
            if not ax.get_lines():
                ax.text(0.5, 0.5, "not measured in this run", ha="center", transform=ax.transAxes)
            ax.set_title(f"overload, N={n}: {title}")
            ax.set_xlabel("offered deliveries/s")
            if logy:
                ax.set_yscale("log")
            ax.grid(True, alpha=0.3)
        if axes[2][0].get_legend_handles_labels()[0]:
            axes[2][0].legend(fontsize=7)
    fig.suptitle("PirateChat beside its peers: one process each, loopback, Node ws load generator")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def write_report(json_path: Path) -> tuple[Path, Path]:
    json_path = Path(json_path)
    data = json.loads(json_path.read_text())
    info, rows = data["info"], data["rows"]
    rows.sort(
        key=lambda r: (
            ["single", "rooms", "overload"].index(r["cell"]["scenario"])
            if r["cell"]["scenario"] in ("single", "rooms", "overload")
            else 9,
            r["cell"]["n"],
            r["cell"]["senders"] / r["cell"]["interval"],
            ORDER.index(r["server"]) if r["server"] in ORDER else 9,
        )
    )
    m = info["machine"]
    md = [
        f"# PirateChat connection benchmark ({json_path.stem})",
        "",
        f"Run {info.get('started')} – {info.get('finished', '(unfinished)')} with "
        f"`{' '.join(info['argv'])}`.",
        "",
        "## Machine",
        f"- {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}",
        f"- Python {m['python']}, Node {m['node']}; open files {m['nofile']}, "
        f"ephemeral ports {'-'.join(m['ip_local_port_range'])}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- PirateChat code: {info.get('piratechat_source', '?')}; settings during the run "
        f"(defaults + env): `{info.get('piratechat_settings')}`",
        "",
        "## What was measured",
        "Each server is one process on 127.0.0.1 (PirateChat: gunicorn with one gevent worker; "
        "its worker is measured). The Node `ws` generator (bench/loadgen.js) opens N WebSocket "
        "connections, every one joins a room, then K of them say lines at a fixed pace; each line "
        "carries its sender, number and send time, and every receiver records latency (send → "
        "receive, CLOCK_MONOTONIC) and which lines it got. *server KB per idle conn*: VmRSS after "
        "all joined minus before, divided by N. CPU: utime+stime from /proc over the send + drain "
        "phase. *lost* = expected (room members × lines said in the room) − unique deliveries. "
        "Scenarios: **single** = one room of N, 10 senders each saying a line every 2 s "
        "(5 lines/s, 5·N deliveries/s); **rooms** = 100 rooms of N/100, one sender per room "
        "saying 5 lines/s (same 5·N deliveries/s, 100× the lines said); **overload** = one room, "
        "the offered rate stepped past what any server delivers.",
        "",
        "Sends per delivered line, from the send phase on: *reads / line* = TCP reads of the "
        "clients' sockets (Node 'data' events) ÷ unique deliveries, a client-side proxy for the "
        "server's send() calls per line (one read can take several sends when a client is "
        "behind, so it is a lower bound); *frames / line* = WebSocket messages that carried "
        "lines ÷ deliveries (below 1: several lines in one message, e.g. one SockJS `a[...]` "
        "frame); *server send syscalls / line* = sendto + sendmsg + write + writev of the "
        "measured process (`perf stat` on the syscall tracepoints; "
        f"in this run: {info.get('syscalls', 'not counted')}) ÷ deliveries.",
        "",
        "Both the server and the generator share the machine's 2 cores: watch the generator's "
        "CPU and its event-loop lag; a generator process above ~80% of a core, or a loop lag "
        "near the latency, means the number measures the generator too.",
        "",
        "## Results",
        *table(rows),
        "",
        *window(info, rows),
        *section("PirateChat ÷ peer", ratios(rows, [("piratechat", peer) for peer in PEERS])),
        *section("Coalescing window on ÷ off", ratios(rows, window_pairs(rows))),
        f"![plot]({json_path.stem}.png)",
        "",
        "## Exact command lines",
        "Servers (PORT is a free port picked per run; PirateChat's production.ini is copied to a "
        "temp dir unchanged):",
        "",
        "```",
    ]
    seen = set()
    for row in rows:
        cmd = row.get("server_command", "")
        if row["server"] in seen:
            continue
        seen.add(row["server"])
        md.append(f"# {row['server']}\n{cmd}")
    md += ["```", "", "Load generator, per run:", "", "```"]
    for row in rows:
        if row.get("loadgen_command"):
            md.append(row["loadgen_command"])
    md += ["```", ""]
    out_md = json_path.with_suffix(".md")
    out_md.write_text("\n".join(md) + "\n")
    out_png = json_path.with_suffix(".png")
    plot(rows, out_png)
    return out_md, out_png


def merge(paths: list[Path], out: Path) -> Path:
    """Several runs' rows in one results file (the first file's machine and settings)."""
    datas = [json.loads(Path(p).read_text()) for p in paths]
    info = dict(datas[0]["info"])
    info["argv"] = " + ".join(" ".join(d["info"]["argv"]) for d in datas).split(" ")
    info["started"] = min(d["info"]["started"] for d in datas)
    info["finished"] = max(d["info"].get("finished", "") for d in datas)
    sources = {d["info"].get("piratechat_source") for d in datas}
    info["piratechat_source"] = "; ".join(sorted(s for s in sources if s))
    rows = [row for d in datas for row in d["rows"]]
    out.write_text(json.dumps({"info": info, "rows": rows}, indent=1))
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--out"]:  # python -m bench.report --out latest.json a.json b.json
        print(*write_report(merge([Path(p) for p in args[2:]], Path(args[1]))))
    else:
        for path in args or ["bench/results/latest.json"]:
            print(*write_report(Path(path)))
