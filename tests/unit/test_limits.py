"""Limits per client address and per room, and the translation budget (issue 13, 1 and 7).

Clocks are moved by hand: no test waits for time to pass.
"""

from __future__ import annotations

import gevent
import pytest
from gevent.event import Event
from zope.interface import implementer

from piratechat.chat.core.address import client_address, networks, proxies, within
from piratechat.chat.core.flood import Buckets
from piratechat.chat.core.messages import ChatError
from piratechat.chat.runtime.limits import Limits, TranslationBudget
from piratechat.interfaces import ITranslator
from piratechat.settings import Settings, SettingsError, parse
from piratechat.translators.guard import Guard
from piratechat.translators.pirate import PirateTranslator


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- who the client is -------------------------------------------------------

def test_the_address_is_remote_addr_without_trusted_proxies():
    environ = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client_address(environ, proxies("")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client():
    trusted = proxies("127.0.0.1, 10.0.0.0/8")
    environ = {"REMOTE_ADDR": "127.0.0.1",
               "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.1, 10.1.2.3"}
    assert client_address(environ, trusted) == "198.51.100.1"  # 6.6.6.6 is what it wrote


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored():
    trusted = proxies("127.0.0.1")
    environ = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert client_address(environ, trusted) == "203.0.113.7"


def test_a_chain_of_trusted_proxies_only_gives_the_first_hop():
    trusted = proxies("127.0.0.1 10.0.0.0/8")
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.9, 10.0.0.8"}
    assert client_address(environ, trusted) == "10.0.0.9"  # nothing but proxies: the farthest
    environ = {"REMOTE_ADDR": "unix:/run/sock", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert client_address(environ, trusted) == "unix:/run/sock"  # not an address: not trusted


def test_a_bad_trusted_proxy_stops_start_up():
    with pytest.raises(ValueError, match="trusted_proxies: 'nowhere'"):
        proxies("127.0.0.1 nowhere")


def test_addresses_within_a_list_of_networks():
    loopback = networks("127.0.0.1 ::1", "metrics_addresses")
    assert within("127.0.0.1", loopback) and within("::1", loopback)
    assert within("::ffff:127.0.0.1", loopback)  # a dual-stack socket's IPv4 client
    assert not within("10.0.0.1", loopback) and not within("", loopback)
    assert within("192.0.2.9", networks("[::1], 192.0.2.0/24", "metrics_addresses"))
    with pytest.raises(ValueError, match="metrics_addresses: 'anyone'"):
        networks("anyone", "metrics_addresses")


@pytest.mark.parametrize("name", ["metrics_addresses", "trusted_proxies"])
def test_a_setting_of_addresses_that_is_not_stops_the_start_in_one_sentence(name):
    with pytest.raises(SettingsError, match=f"piratechat.{name} = '10.0.0.1 anyone': "
                                            "'anyone' is not an IP address or network"):
        parse({f"piratechat.{name}": "10.0.0.1 anyone"}, environ={})


# --- per address and per room ---------------------------------------------------

def test_buckets_forget_the_keys_that_refilled_once_there_are_many():
    clock = Clock()
    buckets = Buckets(rate=1, burst=1, clock=clock)
    buckets.PRUNE_ABOVE = 3
    for key in "abc":
        assert buckets.take(key) and not buckets.take(key)
    assert len(buckets) == 3
    clock.now += 1  # a, b and c are full again: the same as new ones
    buckets.take("c")
    buckets.take("d")  # over PRUNE_ABOVE: the full ones (a, b) go
    assert len(buckets) == 2
    assert buckets.take("a")  # a forgotten key starts full
    assert not buckets.take("c")  # a spent one was kept


def limits(**settings) -> tuple[Limits, Clock]:
    clock = Clock()
    return Limits(Settings(**settings), clock=clock), clock


def test_an_address_holds_at_most_address_connections():
    lim, _ = limits(address_connections=2)
    lim.connect("a")
    lim.connect("a")
    with pytest.raises(ChatError) as refused:
        lim.connect("a")
    assert refused.value.code == "too_many_connections"
    assert "at most 2" in refused.value.message
    lim.connect("b")  # another address is not affected
    lim.disconnect("a")
    lim.connect("a")  # one closed: one may open


@pytest.mark.parametrize(
    ("settings", "said", "refused", "reason", "elsewhere", "refill"),
    [
        # one address, different rooms: the address's bucket
        ({"address_lines_per_second": 1, "address_burst": 3},
         [("a", "room-0"), ("a", "room-1"), ("a", "room-2")], ("a", "room-9"),
         "your address is saying lines too fast", ("b", "room-9"), 1),
        # one room, different addresses: the room's bucket
        ({"room_lines_per_second": 2, "room_burst": 2},
         [("a", "deck"), ("b", "deck")], ("c", "deck"),
         "this room is taking lines too fast", ("c", "hold"), 0.5),
    ],
)
def test_lines_share_one_bucket_per_address_and_per_room(settings, said, refused, reason,
                                                           elsewhere, refill):
    lim, clock = limits(**settings)
    for address, room in said:
        lim.line(address, room)
    with pytest.raises(ChatError, match=reason):
        lim.line(*refused)
    lim.line(*elsewhere)  # another bucket is not affected
    clock.now += refill
    lim.line(*refused)  # refilled at the rate


def test_rooms_created_per_address():
    lim, clock = limits(rooms_per_minute=1, rooms_burst=2)
    assert lim.new_room("a") and lim.new_room("a")
    assert not lim.new_room("a")
    assert lim.new_room("b")
    clock.now += 60
    assert lim.new_room("a")


def test_translator_changes_per_room():
    lim, clock = limits(translator_changes_per_minute=2)
    lim.translator_change("deck", "a", False).charge(1)
    lim.translator_change("deck", "b", False).charge(1)
    with pytest.raises(ChatError, match="parrot was changed too often"):
        lim.translator_change("deck", "c", False)
    lim.translator_change("deck", "c", True).charge(1)  # the owner's changes: their own
    lim.translator_change("hold", "c", False)
    clock.now += 30
    lim.translator_change("deck", "c", False)


def test_wrong_keys_are_counted_per_address_not_per_room():
    lim, clock = limits(wrong_keys_per_minute=2)
    lim.wrong_key("a")
    lim.wrong_key("a")
    with pytest.raises(ChatError, match="too many wrong keys"):
        lim.translator_change("deck", "a", True)
    lim.translator_change("deck", "a", False)  # no key: the room's budget, untouched
    lim.translator_change("deck", "b", True)  # another address
    clock.now += 30
    lim.translator_change("deck", "a", True)


def test_reads_are_charged_what_they_sent_and_refused_in_debt():
    lim, clock = limits(read_bytes_per_second=100, read_burst=1000)
    assert lim.readable("a") == 1000
    lim.read("a", 1500)  # one answer may overdraw
    assert lim.readable("a") == 0 and lim.readable("b") == 1000
    assert lim.read_again_in("a") == 5  # 500 bytes of debt at 100 a second
    clock.now += 6
    assert lim.readable("a") == 100


def test_joins_per_address():
    lim, clock = limits(joins_per_minute=1, joins_burst=2)
    lim.join("a")
    lim.join("a")
    with pytest.raises(ChatError, match="joining rooms too often") as refused:
        lim.join("a")
    assert refused.value.code == "too_many_joins"
    lim.join("b")
    clock.now += 60
    lim.join("a")


# --- translation work -------------------------------------------------------------

@implementer(ITranslator)
class Slow:
    """A translator that takes ``cost`` seconds of the test's clock, or waits for ``gate``."""

    name = "slow"
    title = "Slow"

    def __init__(self, clock: Clock, cost: float = 0.0, gate: Event | None = None):
        self.clock, self.cost, self.gate, self.calls = clock, cost, gate, 0

    def translate(self, text: str) -> str:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait()
        self.clock.now += self.cost
        return text.upper()


def test_a_room_over_its_share_of_translator_time_gets_the_pirate():
    clock = Clock()
    guard = Guard(PirateTranslator())
    budget = TranslationBudget(share=0.5, in_flight=10, process_share=1000, clock=clock,
                               cost_clock=clock)
    slow = Slow(clock, cost=1.5)
    first = budget.translate(guard, "deck", slow, "hello")
    assert (first.text, first.translator, first.fallback) == ("HELLO", "slow", None)
    second = budget.translate(guard, "deck", slow, "hello")  # 1.5 s spent of a 1 s bucket
    assert (second.text, second.translator, second.fallback) == ("avast", "pirate", "slow")
    assert slow.calls == 1
    other = budget.translate(guard, "hold", slow, "hello")  # another room: its own share
    assert other.translator == "slow"
    clock.now += 3  # 1.5 s of debt refills at 0.5 s a second (3 s); "hold" owes 1.5 s too
    assert budget.translate(guard, "deck", slow, "hello").translator == "slow"


def test_all_rooms_together_get_at_most_the_process_share():
    clock = Clock()
    guard = Guard(PirateTranslator())
    budget = TranslationBudget(share=10, in_flight=10, process_share=1, clock=clock,
                               cost_clock=clock)
    slow = Slow(clock, cost=1.5)
    assert budget.translate(guard, "deck", slow, "hello").translator == "slow"
    other = budget.translate(guard, "hold", slow, "hello")  # its room's share is untouched
    assert (other.translator, other.fallback) == ("pirate", "slow")
    clock.now += 1
    assert budget.translate(guard, "hold", slow, "hello").translator == "slow"


def test_a_rooms_translations_in_flight_are_capped_and_other_rooms_go_on():
    clock = Clock()
    guard = Guard(PirateTranslator())
    budget = TranslationBudget(share=1000, in_flight=1, process_share=1000, clock=clock,
                               cost_clock=clock)
    gate = Event()
    stuck = Slow(clock, gate=gate)
    waiting = gevent.spawn(budget.translate, guard, "deck", stuck, "hello")
    gevent.sleep(0)  # it is now inside the stuck translator
    assert stuck.calls == 1
    busy = budget.translate(guard, "deck", stuck, "hello")
    assert (busy.translator, busy.fallback) == ("pirate", "slow")
    assert stuck.calls == 1  # the translator was not asked again
    elsewhere = Slow(clock)
    assert budget.translate(guard, "hold", elsewhere, "hello").translator == "slow"
    gate.set()
    assert waiting.get(timeout=10).translator == "slow"
    assert budget.translate(guard, "deck", elsewhere, "hello").translator == "slow"
