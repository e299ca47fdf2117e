"""Rules looked up along the traversal tree (moderation/tree.py, core.py): the
nearest level that says something decides, a room made later follows the levels
above it, and the walk is as long as the tree is deep."""

from __future__ import annotations

import pytest

from piratechat.chat.core.messages import ChatError
from piratechat.moderation import core
from piratechat.moderation.service import _effective, _levels
from piratechat.moderation.tree import Rules, lineage, rules_of
from piratechat.rooms.resources import Root


@pytest.fixture
def root():
    root = Root()
    deck = root.rooms.add("deck")
    deck.group = "crew"
    root.rooms.groups.add("crew")
    root.rooms.add("brig")  # in no group
    return root


def test_a_rooms_lineage_is_the_room_its_group_and_the_whole_chat(root):
    deck, brig = root.rooms.get("deck"), root.rooms.get("brig")
    assert lineage(deck) == [deck, root.rooms.groups.get("crew"), root.rooms]
    assert lineage(brig) == [brig, root.rooms]
    unmade = root.rooms["not-made-yet"]
    assert lineage(unmade) == [unmade, root.rooms]


def test_a_rule_set_on_the_whole_chat_reaches_every_room_even_one_made_later(root):
    root.rooms.rules.slow = 10
    assert _effective(root, "deck").slow == 10
    assert _effective(root, "brig").slow == 10
    assert _effective(root, "made-later").slow == 10


def test_the_nearest_level_that_says_something_decides(root):
    root.rooms.rules.slow, root.rooms.rules.read_only = 10, True
    rules_of(root.rooms.groups.get("crew"), make=True).slow = 3
    assert (_effective(root, "deck").slow, _effective(root, "brig").slow) == (3, 10)
    rules_of(root.rooms.get("deck"), make=True).slow = 0  # "no slow mode here"
    rules_of(root.rooms.get("deck")).read_only = False
    deck = _effective(root, "deck")
    assert (deck.slow, deck.read_only) == (0, False)
    rules_of(root.rooms.get("deck")).slow = None  # cleared: follows its group again
    assert _effective(root, "deck").slow == 3


def test_a_mute_or_ban_anywhere_above_counts_the_longest_winning(root):
    root.rooms.rules.mutes["Loud"] = 100.0
    rules_of(root.rooms.get("deck"), make=True).mutes["Loud"] = 50.0
    rules_of(root.rooms.groups.get("crew"), make=True).bans["10.0.0.1"] = 70.0
    deck, brig = _effective(root, "deck"), _effective(root, "brig")
    assert deck.muted_until("Loud", 60.0) == 100.0 and deck.muted_until("Loud", 100.0) is None
    assert deck.banned("10.0.0.1", 60.0) and not brig.banned("10.0.0.1", 60.0)


def test_moderators_of_a_level_moderate_every_level_below_it(root):
    rules_of(root.rooms.groups.get("crew"), make=True).moderators.add("Ann")
    rules_of(root.rooms.get("deck"), make=True).moderators.add("Bo")
    deck = _effective(root, "deck")
    ann = core.Person("Ann", True, "", False)
    bo = core.Person("Bo", True, "", False)
    assert core.is_moderator(ann, deck, frozenset(), "group")
    assert not core.is_moderator(bo, deck, frozenset(), "group")
    assert core.is_moderator(bo, deck, frozenset(), "room")
    assert not core.is_moderator(ann, _effective(root, "brig"), frozenset(), "room")
    assert not core.is_moderator(bo._replace(member=False), deck, frozenset())  # a nickname


def test_the_look_up_reads_one_rules_per_level_whatever_the_number_of_rooms(root):
    for n in range(500):
        root.rooms.add(f"room-{n}").group = "crew"
    reads = []

    class Counting(Rules):
        def __getattribute__(self, name):
            if name == "slow":
                reads.append(1)
            return super().__getattribute__(name)

    root.rooms.rules = Counting()
    assert _effective(root, "room-7").slow == 0
    assert len(_levels(root.rooms.get("room-7"))) == 3
    assert len(reads) == 1  # the chat's, once


def test_the_site_s_token_claims_give_moderation_for_a_group_or_everywhere(root):
    deck = _effective(root, "deck")
    assert deck.group == "crew"
    forum = core.Person("Ed", True, "", False, ("crew",))
    assert core.is_moderator(forum, deck, frozenset(), "group")
    assert not core.is_moderator(forum, deck, frozenset(), "chat")
    assert not core.is_moderator(forum, _effective(root, "brig"), frozenset())
    admin = core.Person("Sue", True, "", False, ("*",))
    assert core.is_moderator(admin, _effective(root, "brig"), frozenset(), "chat")


def test_lines_are_refused_with_a_code_and_moderators_are_spared():
    rules = core.Effective(slow=5, read_only=False, mutes={"Loud": 110.0}, bans={"1.2.3.4": 200.0})
    quiet = core.Person("Quiet", False, "5.6.7.8", False)
    loud = core.Person("Loud", False, "", False)
    with pytest.raises(ChatError) as muted:
        core.check_say(rules, loud, False, None, 100.0)
    assert muted.value.code == "muted" and muted.value.to_message()["wait"] == 10
    core.check_say(rules, loud, False, None, 110.0)  # the mute is over
    core.check_say(rules, loud, True, None, 100.0)  # a moderator is never muted
    with pytest.raises(ChatError) as slow:
        core.check_say(rules, quiet, False, 98.0, 100.0)
    assert slow.value.code == "slow_mode" and slow.value.to_message()["wait"] == 3
    core.check_say(rules, quiet, False, 95.0, 100.0)
    with pytest.raises(ChatError) as banned:
        core.check_say(rules, quiet._replace(address="1.2.3.4"), False, None, 100.0)
    assert banned.value.code == "banned"
    with pytest.raises(ChatError) as closed:
        core.check_say(core.Effective(read_only=True), quiet, False, None, 100.0)
    assert closed.value.code == "read_only"


def test_an_author_may_take_a_line_back_for_ten_minutes_a_moderator_always():
    said_at = 1_000 * 1_000_000
    core.may_retract(False, "Ann", said_at, False, own=True, now=1_000 + 599)
    with pytest.raises(ChatError) as late:
        core.may_retract(False, "Ann", said_at, False, own=True, now=1_000 + 601)
    assert late.value.code == "too_late"
    with pytest.raises(ChatError) as other:
        core.may_retract(False, "Ann", said_at, False, own=False, now=1_001)
    assert other.value.code == "not_allowed"
    core.may_retract(True, "Ann", said_at, False, own=False, now=10**9)


@pytest.mark.parametrize("message, code", [
    ({"action": "nuke"}, "bad_message"),
    ({"action": "mute", "name": "X"}, "bad_message"),  # no seconds
    ({"action": "mute", "name": "X", "seconds": -1}, "bad_message"),
    ({"action": "slow", "seconds": True}, "bad_message"),
    ({"action": "slow", "seconds": 5, "scope": "galaxy"}, "bad_message"),
    ({"action": "ban"}, "bad_message"),
    ({"action": "clear", "rule": "mutes"}, "bad_message"),
    ({"action": "read_only", "on": "yes"}, "bad_message"),
    ({"action": "mute", "name": "\u202eevil", "seconds": 5}, "bad_text"),
])
def test_bad_moderate_messages_get_a_clear_code(message, code):
    with pytest.raises(ChatError) as refused:
        core.moderate_request(message, True, 40)
    assert refused.value.code == code


def test_a_token_s_moderates_claim_is_read_and_anything_else_ignored():
    import base64
    import json

    def token(claims):
        return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=") + ".x"

    claimed = core.moderates_claim(token({"name": "A", "moderates": ["*", "crew", 3]}))
    assert claimed == ("*", "crew")
    assert core.moderates_claim(token({"name": "A"})) == ()
    assert core.moderates_claim(token({"name": "A", "moderates": "*"})) == ()
