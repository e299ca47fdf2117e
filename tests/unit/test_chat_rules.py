"""The chat's rules without a socket: chat/core/rules.py and chat/core/catchup.py with plain values.

Also that the cores stay apart from I/O: every module of chat/core/ and of
the SockJS library's core/ (listed by folder: a new module is covered too)
imports no gevent, sockets, WebOb, Pyramid, the library's runtime or glue,
ZODB or Redis, directly or through the project's modules they import.
"""

from __future__ import annotations

import ast
from functools import partial
from pathlib import Path

import pyramid_sockjs_gevent
import pytest

from piratechat.chat.core import catchup, rules
from piratechat.chat.core.messages import ChatError, dumps
from piratechat.chat.core.tokens import issue, verify

SECRET = "s3cret"
IO = {"gevent", "greenlet", "socket", "ssl", "selectors", "asyncio", "ZODB", "transaction",
      "persistent", "redis", "urllib3", "pyramid", "webob", "pyramid_sockjs_gevent.runtime",
      "pyramid_sockjs_gevent.pyramid", "piratechat.storage", "piratechat.broker",
      "piratechat.presence"}
#: Where the project's own modules are: the chat's package and the library's.
ROOTS = [Path(rules.__file__).resolve().parents[3],
         Path(pyramid_sockjs_gevent.__file__).resolve().parents[1]]
CORE_FOLDERS = [Path(rules.__file__).resolve().parent,
                Path(pyramid_sockjs_gevent.__file__).resolve().parent / "core"]


def _dotted(path: Path) -> str:
    root = max((root for root in ROOTS if path.is_relative_to(root)), key=lambda r: len(r.parts))
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


CORE = sorted(_dotted(path) for folder in CORE_FOLDERS for path in folder.glob("*.py"))


def code(error: pytest.ExceptionInfo) -> str:
    return error.value.code


def who(message: dict, members=()):
    return rules.who(message, 20, partial(verify, SECRET), lambda name: name in members)


# -- who joins ------------------------------------------------------------------------

def test_a_nickname_is_trimmed_and_anonymous():
    assert who({"name": "  Ann  "}) == ("Ann", False)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({}, "bad_message"),
        ({"name": 7}, "bad_message"),
        ({"name": "   "}, "empty"),
        ({"name": "x" * 21}, "too_long"),
        ({"name": "Cap\u202etain"}, "bad_text"),
        ({"name": "Ann\nBob"}, "bad_text"),
    ],
)
def test_a_bad_nickname_is_refused_with_a_code(message, expected):
    with pytest.raises(ChatError) as error:
        who(message)
    assert code(error) == expected


def test_a_members_name_is_not_free_for_anyone():
    with pytest.raises(ChatError) as error:
        who({"name": "Captain Ann"}, members={"Captain Ann"})
    assert code(error) == "name_taken" and "log in" in error.value.message


def test_a_valid_token_names_the_member():
    assert who({"token": issue(SECRET, "Captain Ann")}) == ("Captain Ann", True)
    assert who({"token": issue(SECRET, "Captain Ann"), "name": " Captain Ann "}) == (
        "Captain Ann", True)


def test_a_members_long_name_is_cut_to_the_limit():
    assert who({"token": issue(SECRET, "A" * 30)}) == ("A" * 20, True)


@pytest.mark.parametrize(
    "message",
    [
        {"token": "not a token"},
        {"token": issue("another secret", "Ann")},
        {"token": issue(SECRET, "Ann", now=0)},  # expired long ago
        {"token": issue(SECRET, "Ann"), "name": "Bob"},
        {"token": issue(SECRET, "Ann"), "name": 5},
    ],
)
def test_a_bad_token_or_another_name_is_refused(message):
    with pytest.raises(ChatError) as error:
        who(message)
    assert code(error) == "bad_token"


# -- where it joins -------------------------------------------------------------------

def test_where_defaults_to_the_lobby_as_a_newcomer_without_presence():
    assert rules.where({}) == ("lobby", None, False)
    assert rules.where({"room": "deck", "after": 0, "presence": True}) == ("deck", 0, True)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"room": "../etc"}, "bad_room"),
        ({"room": 5}, "bad_room"),
        ({"after": -1}, "bad_message"),
        ({"after": True}, "bad_message"),
        ({"after": "3"}, "bad_message"),
        ({"presence": "yes"}, "bad_message"),
    ],
)
def test_a_bad_where_is_refused_with_a_code(message, expected):
    with pytest.raises(ChatError) as error:
        rules.where(message)
    assert code(error) == expected


# -- say and translator ---------------------------------------------------------------

def test_say_only_once_joined():
    with pytest.raises(ChatError) as error:
        rules.say({"text": "ahoy"}, 100, joined=False)
    assert code(error) == "not_joined"


def test_say_keeps_the_text_and_the_client_id():
    assert rules.say({"text": " ahoy\t", "client_id": "c-1"}, 100, joined=True) == (
        " ahoy\t", "c-1")
    assert rules.say({"text": "ahoy"}, 100, joined=True) == ("ahoy", None)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"text": "x" * 101}, "too_long"),
        ({"text": "\x1b[2J"}, "bad_text"),
        ({"text": "ahoy", "client_id": ""}, "bad_message"),
        ({"text": "ahoy", "client_id": "é"}, "bad_message"),
    ],
)
def test_a_bad_say_is_refused_with_a_code(message, expected):
    with pytest.raises(ChatError) as error:
        rules.say(message, 100, joined=True)
    assert code(error) == expected


def test_choosing_a_translator():
    assert rules.choose_translator({"name": "bard"}, joined=True) == ("bard", None, None)
    assert rules.choose_translator({"name": "bard", "key": "k", "lock": True}, joined=True) == (
        "bard", "k", True)


@pytest.mark.parametrize(
    ("message", "joined", "expected"),
    [
        ({"name": "bard"}, False, "not_joined"),
        ({}, True, "bad_message"),
        ({"name": "bard", "key": 1}, True, "bad_message"),
        ({"name": "bard", "lock": "yes"}, True, "bad_message"),
    ],
)
def test_a_bad_translator_choice_is_refused_with_a_code(message, joined, expected):
    with pytest.raises(ChatError) as error:
        rules.choose_translator(message, joined=joined)
    assert code(error) == expected


# -- catch-up -------------------------------------------------------------------------

def room_of(count: int, text: str = "ahoy"):
    """A room's history as a list, and its IHistory.since for catchup.catch_up."""
    lines = [{"type": "line", "seq": n, "text": text} for n in range(1, count + 1)]

    def read(after: int, limit: int):
        newer = [line for line in lines if line["seq"] > after]
        return count, newer[-limit:] if limit else []

    return read


def plan(count: int, after: int | None, recent=5, backlog=10, queue=10**6, text="ahoy",
         allowance=float("inf")):
    """catch_up's messages and last seq (without the bytes they cost)."""
    return catchup.catch_up("deck", after, room_of(count, text), recent, backlog, queue,
                            allowance)[:2]


def kinds(messages):
    return [m["type"] if m["type"] != "line" else m["seq"] for m in messages]


def test_a_newcomer_gets_the_recent_lines():
    assert kinds(plan(8, None)[1]) == [4, 5, 6, 7, 8]
    assert plan(8, None)[0] == 8


def test_a_returning_member_gets_what_it_missed_and_nothing_it_saw():
    assert kinds(plan(8, 3)[1]) == [4, 5, 6, 7, 8]
    assert plan(8, 8) == (8, [])


def test_more_missed_than_the_backlog_is_a_gap_then_the_newest():
    last, messages = plan(30, 2, backlog=10)
    assert messages[0] == {"type": "gap", "room": "deck", "after": 2, "before": 21}
    assert kinds(messages[1:]) == list(range(21, 31)) and last == 30


def test_an_after_beyond_the_room_is_a_reset_then_the_recent_lines():
    last, messages = plan(6, 40)
    assert messages[0] == {"type": "reset", "room": "deck", "seq": 6}
    assert kinds(messages[1:]) == [2, 3, 4, 5, 6] and last == 6


def test_an_empty_room_gives_nothing():
    assert plan(0, None) == (0, [])
    assert plan(0, 0) == (0, [])


def test_lines_are_cut_oldest_first_to_half_the_queue_but_one_always_goes():
    one = len(dumps({"type": "line", "seq": 10, "text": "x" * 100})) + 8
    last, messages = plan(10, 0, backlog=10, queue=2 * 3 * one, text="x" * 100)
    assert kinds(messages) == ["gap", 8, 9, 10]
    assert kinds(plan(10, None, queue=2, text="x" * 100)[1]) == [10]


def test_lines_are_cut_to_what_the_address_may_read_and_their_bytes_told():
    one = len(dumps({"type": "line", "seq": 10, "text": "x" * 100})) + 8
    assert kinds(plan(10, 0, allowance=2 * one, text="x" * 100)[1]) == ["gap", 9, 10]
    assert kinds(plan(10, None, allowance=0, text="x" * 100)[1]) == [10]  # one always goes
    size = catchup.catch_up("deck", 7, room_of(10, "x" * 100), 5, 10, 10**6)[2]
    assert size == sum(len(dumps({"type": "line", "seq": n, "text": "x" * 100})) + 8
                       for n in (8, 9, 10))


def test_held_lines_already_read_are_dropped_and_notices_kept():
    held = [(3, "l3"), (None, "notice"), (4, "l4"), (5, "l5")]
    assert catchup.release(held, 4) == (["notice", "l5"], 5)
    assert catchup.release([(None, "notice")], 4) == (["notice"], 4)
    assert catchup.release([], 7) == ([], 7)


def test_a_member_caught_up_skips_lines_it_was_sent():
    assert catchup.unseen([4, 5, 6], ["a", "b", "c"], 5) == ["c"]
    assert catchup.unseen([4, 5], ["a", "b"], 5) == []


# -- the core is apart from I/O --------------------------------------------------------

def _source(name: str) -> Path | None:
    for root in ROOTS:
        for path in (root / (name.replace(".", "/") + ".py"),
                     root / name.replace(".", "/") / "__init__.py"):
            if path.exists():
                return path
    return None


def imported(module: str) -> set[str]:
    """Every module ``module`` imports, following the project's own."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _source(name)
        if path is None:
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] + "." if node.level else ""
                target = (base + (node.module or "")).rstrip(".")
                todo.append(target)
                todo += [f"{target}.{alias.name}".lstrip(".") for alias in node.names]
    return seen


def test_both_cores_are_listed():
    assert {"piratechat.chat.core.rules", "piratechat.chat.core.messages",
            "pyramid_sockjs_gevent.core.session",
            "pyramid_sockjs_gevent.core.protocol"} <= set(CORE)


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_no_io(module):
    found = imported(module)
    assert module in found and _source(module) is not None  # the walk found itself
    bad = {name for name in found for io in IO if name == io or name.startswith(io + ".")}
    assert not bad, f"{module} reaches I/O through {sorted(bad)}"
