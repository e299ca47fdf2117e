"""Each structured setting (lists, URLs, addresses and networks, durations,
sizes) given a bad value stops the app factory with one sentence naming it,
not a traceback: settings.py checks every one, and no consumer parses its own."""

from __future__ import annotations

import pytest

from piratechat import main

BAD = [  # setting, bad value, the sentence's end
    ("translators", "pirate parot", "piratechat.translators names ['parot'], which are not "
                                    "installed"),
    ("allowed_hosts", "localhost https://chat.example.org",
     "'https://chat.example.org' is not a host name (example.org, [::1], or *)"),
    ("allowed_origins", "chat.example.org", "'chat.example.org' is not an origin "
                                            "(https://host[:port])"),
    ("allowed_origins", "https://chat.example.org/page", "'https://chat.example.org/page' is "
                                                         "not an origin (https://host[:port])"),
    ("trusted_proxies", "nowhere", "'nowhere' is not an IP address or network"),
    ("metrics_addresses", "127.0.0.1 10.0.0.0/33", "'10.0.0.0/33' is not an IP address or "
                                                   "network"),
    ("public_url", "http://", "is not a URL the chat can use: it names no host"),
    ("broker_url", "127.0.0.1:6379", "is not a URL the chat can use: it must be redis://..."),
    ("remote_url", "arrpi.example.org", "it must be http://... or https://..., or empty"),
    ("member_names_url", "ftp://site", "it must be http://... or https://..., a path (/...)"),
    ("heartbeat_delay", "25s", "is not a number"),
    ("storage_timeout", "0", "is out of range: it must be more than 0"),
    ("max_queue", "1MB", "is not a whole number"),
    ("max_body", "0", "is out of range: it must be at least 1"),
]


@pytest.mark.parametrize("name, raw, sentence", BAD, ids=[f"{n}={r}" for n, r, _ in BAD])
def test_a_bad_structured_setting_stops_the_start_in_one_sentence(name, raw, sentence,
                                                                    monkeypatch, fresh_zodb_uri):
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
    with pytest.raises(SystemExit) as stopped:
        main({}, **{f"piratechat.{name}": raw})
    told = str(stopped.value.code)
    assert told.startswith(f"piratechat: piratechat.{name}") and sentence in told, told
    assert "\n" not in told and "Traceback" not in told
