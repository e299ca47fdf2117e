"""How fast the parrot talks: the pirate translator beside the ``arrr`` package.

Every chat line goes through a translator, so its throughput bounds the
chat's. This measures words per second on the same input, in the same run,
for PirateChat's pirate (and, for reference, the bard) and for ``arrr``
(PyPI, installed by the ``bench`` extra), the best-known pure-Python pirate
translator. Each line is translated on its own, as the chat does.

    .venv/bin/python -m bench.translate_bench [--lines 2000] [--repeat 7]

Three inputs: chat lines (4 to 24 words, the usual case), long lines (the
chat's limit, 2,000 characters) and the rooms benchmark's own lines (a
counter and a timestamp, new in every line). Both are generated from a fixed seed, from
everyday words and the words both translators know, so each run reads the
same text. ``arrr`` adds a random exclamation to some sentences; the random
generator is seeded before each of its runs so its work is the same too.
The figure is the best of ``--repeat`` runs (the least disturbed one).
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable
from importlib.metadata import version

from piratechat.translators.bard import BardTranslator
from piratechat.translators.pirate import PirateTranslator

# Words a chat says; some are in both word lists (hello, friend, my, is, the,
# you, yes, money, drink, ...), most in neither, as in real chat.
EVERYDAY = """
    hello friend my is the you yes no money drink where bathroom old stop
    treasure talk boy girl sir happy take song and a to of it in that have for
    not on with he as do at this but his by from they we say her she or an will
    one all would there their what so up out if about who get which go me when
    make can like time just him know people into year your good some could them
    see other than then now look only come its over think also back after use
    two how our work first well way even new want because any these give day
    most us great beer ship port sea captain right left wind sail tonight
""".split()
MARKS = [",", ".", "!", "?", "", "", "", ""]


def chat_lines(count: int, low: int, high: int, seed: int = 2013) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        words = [rng.choice(EVERYDAY) + rng.choice(MARKS) for _ in range(rng.randint(low, high))]
        words[0] = words[0].capitalize()
        lines.append(" ".join(words))
    return lines


def long_lines(count: int, limit: int = 2000, seed: int = 1999) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        line = ""
        while True:
            word = rng.choice(EVERYDAY) + rng.choice(MARKS)
            if len(line) + len(word) + 1 > limit:
                break
            line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def counter_lines(count: int, seed: int = 2026) -> list[str]:
    """The rooms benchmark's lines (bench/loadgen.js): ``L <sender> <n> <t_ms>``.

    Every line holds a number never seen before, so a translator that
    remembers whole lines or chunks never finds this one; what it costs is
    the translator's price per line, not per word."""
    rng = random.Random(seed)
    start = 1_732_900_000_000.0
    return [f"L {rng.randrange(200)} {n} {start + n * 0.731:.3f}" for n in range(count)]


def best_time(translate: Callable[[str], str], lines: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        random.seed(0)  # arrr's exclamations: the same ones every run
        started = time.perf_counter()
        for line in lines:
            translate(line)
        best = min(best, time.perf_counter() - started)
    return best


def translators() -> dict[str, Callable[[str], str]]:
    import arrr

    return {
        "pirate (PirateChat)": PirateTranslator().translate,
        f"arrr {version('arrr')}": arrr.translate,
        "bard (PirateChat)": BardTranslator().translate,
    }


def run(lines_count: int, repeat: int) -> list[tuple[str, str, float, float]]:
    """Rows of (input, translator, words per second, microseconds per line)."""
    inputs = {
        "chat lines (4-24 words)": chat_lines(lines_count, 4, 24),
        "long lines (2,000 chars)": long_lines(max(1, lines_count // 20)),
        "counter lines (rooms bench)": counter_lines(lines_count * 10),
    }
    rows = []
    for input_name, lines in inputs.items():
        words = sum(len(line.split()) for line in lines)
        for name, translate in translators().items():
            translate(lines[0])  # warm up: compile patterns, load word lists
            seconds = best_time(translate, lines, repeat)
            rows.append((input_name, name, words / seconds, seconds / len(lines) * 1e6))
    return rows


def table(rows: list[tuple[str, str, float, float]]) -> str:
    out = [
        "| input | translator | words/s | µs/line | vs arrr |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    arrr_speed = {row[0]: row[2] for row in rows if row[1].startswith("arrr")}
    for input_name, name, words_per_second, micros in rows:
        ratio = words_per_second / arrr_speed[input_name]
        out.append(
            f"| {input_name} | {name} | {words_per_second:,.0f} | {micros:,.1f} | {ratio:.2f}x |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.translate_bench", description=__doc__)
    parser.add_argument("--lines", type=int, default=2000, help="chat lines per run")
    parser.add_argument("--repeat", type=int, default=7, help="runs; the best counts")
    args = parser.parse_args(argv)
    rows = run(args.lines, args.repeat)
    print(f"Python {platform.python_version()} on {platform.machine()}, best of {args.repeat}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
