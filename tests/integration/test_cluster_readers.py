"""Each reader's parrot and unread counts on a cluster (Redis, ZEO, two processes):
a line said on one process is read through a reader's own parrot on the other,
and a read on one process clears the reader's count on the other, live."""

from __future__ import annotations

import uuid

import pytest

from piratechat.chat.core.tokens import issue
from piratechat.cluster.local import LocalCluster
from piratechat.translators.bard import BardTranslator
from tests.integration.test_cluster import FAST
from tests.integration.test_cluster_faults import on

SECRET = "cluster readers " + uuid.uuid4().hex


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("readers")),
                           env={**FAST, "PIRATECHAT_TOKEN_SECRET": SECRET})
    running.start()
    yield running
    running.stop()


def test_a_line_said_on_one_process_is_read_through_the_readers_parrot_on_the_other(cluster):
    room = "reads-" + uuid.uuid4().hex[:8]
    speaker, reader = on(cluster, 0), on(cluster, 1)
    try:
        speaker.join(room, "Ann")
        reader.join(room, "Bob", read_as="bard")
        text = "Hello my friend " + uuid.uuid4().hex[:6]
        speaker.say(text)
        line = reader.line_of(text)
        assert (line["translator"], line["translation"]) == (
            "bard", BardTranslator().translate(text))
        assert line["room_translator"] == "pirate"
    finally:
        speaker.close()
        reader.close()


def test_a_read_on_one_process_clears_the_members_count_on_the_other(cluster):
    room, member = "unread-" + uuid.uuid4().hex[:8], "Anne " + uuid.uuid4().hex[:6]
    laptop, phone, speaker = on(cluster, 0), on(cluster, 1), on(cluster, 1)
    try:
        laptop.join(room, member, token=issue(SECRET, member))
        laptop.send({"type": "read", "seq": 0})
        assert laptop.next_of("unread")["last_read"] == 0
        speaker.join(room, "Speaker")
        last = max(speaker.say_stored(f"line {n}")["seq"] for n in range(3))
        phone.join("other-" + room, member, token=issue(SECRET, member))
        phone.send({"type": "unread", "rooms": [room]})
        assert phone.next_of("unread")["count"] == 3
        laptop.send({"type": "read", "seq": last})
        pushed = phone.next_of("unread")  # from the other process, through Redis
        assert (pushed["room"], pushed["last_read"], pushed["count"]) == (room, last, 0)
    finally:
        for client in (laptop, phone, speaker):
            client.close()
