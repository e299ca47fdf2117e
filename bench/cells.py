"""The scenario matrix: which cells (scenario x N) run, and which servers run each."""

from __future__ import annotations

from dataclasses import dataclass

from .servers import NO_WINDOW, SERVERS

MAX_N = 19_500  # every server is one process, and one process may open 20,000 files here
SCENARIOS = ["single", "rooms", "overload", "readings"]

#: The "readings" scenario's four choices, connection by connection: the room's
#: parrot (pirate), two other translators, and the original text (chat/runtime/readings.py).
READINGS = "-,bard,yoda,original"


@dataclass
class Cell:
    """One run: a scenario at one N against one server."""

    scenario: str
    n: int
    rooms: int
    senders: int
    interval: float
    lines: int
    server: str = ""
    read_as: str = ""  # the loadgen's --read-as: readers' parrots, in turn; "": the room's


    @classmethod
    def paced(cls, scenario: str, n: int, rooms: int, senders: int, interval: float, seconds,
              read_as: str = ""):
        """Each sender says a line every `interval` s for `seconds` s (at least one line)."""
        return cls(scenario, n, rooms, senders, interval, max(1, round(seconds / interval)),
                   read_as=read_as)

    @property
    def offered_lines_per_second(self) -> float:
        return self.senders / self.interval

    @property
    def offered_deliveries_per_second(self) -> float:
        return self.offered_lines_per_second * self.n / self.rooms


def scenario_cells(args) -> list[Cell]:
    """The matrix, in run order."""
    cells = []
    for scenario in args.scenarios:
        if scenario == "single":  # 1:N fan-out: everyone in one room
            for n in args.n:
                cells.append(Cell.paced("single", n, 1, args.senders, args.interval, args.duration))
        elif scenario == "rooms":  # 100 rooms of N/100, each as busy as the single room
            for n in args.n:
                rooms = min(100, n)
                # one sender per room, saying as many lines/s as all senders of the single room
                interval = args.interval / args.senders
                cells.append(Cell.paced("rooms", n, rooms, rooms, interval, args.duration))
        elif scenario == "readings":  # "single", its readers spread over four parrots
            for n in args.n:
                cells.append(Cell.paced("readings", n, 1, args.senders, args.interval,
                                        args.duration, read_as=READINGS))
        elif scenario == "overload":  # one room, offered lines/s stepped up past every server
            senders, n, seconds = 20, args.overload_n, args.overload_duration
            for rate in args.overload_rates:
                cells.append(Cell.paced("overload", n, 1, senders, senders / rate, seconds))
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    return cells


def cell_servers(cell: Cell, args) -> list[str]:
    """The servers of one cell: --servers, and in the --coalesce scenarios each
    PirateChat's no-window variant right after it."""
    names = []
    for name in args.servers:
        if cell.scenario == "readings" and not name.startswith("piratechat"):
            continue  # only PirateChat has readers' parrots
        names.append(name)
        variant = name + NO_WINDOW
        if cell.scenario in args.coalesce and variant in SERVERS:
            names.append(variant)
    return list(dict.fromkeys(names))  # once each, in order


def plan(args) -> list[tuple[Cell, str]]:
    """Every run, in order: (cell, server name)."""
    return [(cell, name) for cell in scenario_cells(args) for name in cell_servers(cell, args)]
