"""bench/results/<tag>.json -> <tag>.md (tables) and <tag>.png (plot).

python -m bench.report bench/results/latest.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ORDER = ["piratechat", "piratechat-framed", "ws", "websockets", "sockjs", "sockjs-framed"]
PEERS = ["ws", "websockets", "sockjs"]


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
    if (row.get("background_cpu_percent") or 0) > 25:
        notes.append(f"machine {row['background_cpu_percent']:.0f}% busy before the run")
    if row.get("worker_restarted"):
        notes.append("gunicorn worker restarted")
    if row.get("log_findings"):
        notes.append("log: " + ", ".join(row["log_findings"]))
    return "; ".join(notes)


def table(rows) -> list[str]:
    out = [
        "| scenario | N | rooms | server | conns ok / failed | server KB per idle conn "
        "| offered deliveries/s | delivered/s | p50 ms | p99 ms | max ms | lost | dup "
        "| server CPU % | server µs CPU / delivery | generator CPU % (per proc) "
        "| gen. loop lag p99 ms | machine CPU % (of 200) | notes |",
        "|" + "---|" * 19,
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
                    _notes(row),
                ]
            )
            + " |"
        )
    return out


def ratios(rows) -> list[str]:
    """PirateChat divided by each peer, cell by cell (>1: PirateChat uses more / is slower)."""
    by = {}
    for row in rows:
        by.setdefault(_row_key(row), {})[row["server"]] = row
    out = [
        "| scenario | N | offered deliveries/s | vs | KB/conn ratio | p50 ratio | p99 ratio "
        "| CPU/delivery ratio | delivered/s ratio |",
        "|" + "---|" * 9,
    ]

    def ratio(a, b, fmt="{:.2f}"):
        return fmt.format(a / b) if a is not None and b else "–"

    for key, servers in by.items():
        pc = servers.get("piratechat")
        if not pc or not pc["result"]:
            continue
        for peer in PEERS:
            pr = servers.get(peer)
            if not pr or not pr["result"]:
                continue
            a, b = pc["result"], pr["result"]
            out.append(
                "| "
                + " | ".join(
                    [
                        key[0],
                        f"{key[1]:,}",
                        _f(a["offeredDeliveriesPerSecond"]),
                        peer,
                        ratio(pc.get("rss_per_conn_kb"), pr.get("rss_per_conn_kb")),
                        ratio(a["latencyMs"]["p50"], b["latencyMs"]["p50"]),
                        ratio(a["latencyMs"]["p99"], b["latencyMs"]["p99"]),
                        ratio(_us_per_delivery(pc), _us_per_delivery(pr)),
                        ratio(a["deliveredPerSecond"], b["deliveredPerSecond"]),
                    ]
                )
                + " |"
            )
    return out


def plot(rows, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
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
    colors = {
        "piratechat": "tab:red",
        "piratechat-framed": "tab:pink",
        "ws": "tab:blue",
        "websockets": "tab:green",
        "sockjs": "tab:orange",
        "sockjs-framed": "tab:brown",
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
                        style,
                        color=colors.get(server),
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
    axes[0][0].legend(fontsize=7)
    over = [r for r in rows if r["cell"]["scenario"] == "overload" and r["result"]]
    if over:  # the overload steps: delivered against offered, as an inset of panel 2
        ins = axes[0][1].inset_axes([0.09, 0.55, 0.36, 0.36])
        for server in ORDER:
            pts = sorted(
                (r["result"]["offeredDeliveriesPerSecond"], r["result"]["deliveredPerSecond"])
                for r in over
                if r["server"] == server
            )
            if pts:
                ins.plot([p[0] for p in pts], [p[1] for p in pts], "-^", color=colors.get(server))
        ins.set_title(f"overload, N={over[0]['cell']['n']}: delivered vs offered", fontsize=7)
        ins.tick_params(labelsize=6)
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
        "Both the server and the generator share the machine's 2 cores: watch the generator's "
        "CPU and its event-loop lag; a generator process above ~80% of a core, or a loop lag "
        "near the latency, means the number measures the generator too.",
        "",
        "## Results",
        *table(rows),
        "",
        "## PirateChat ÷ peer",
        *ratios(rows),
        "",
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
