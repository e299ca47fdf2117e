"""The history's settings parse from ini text and the environment (settings.py)."""

import pytest

from piratechat.settings import Settings, parse


def test_defaults_are_documented_values():
    settings = parse({}, environ={})
    assert settings.zodb_uri == "" and settings.recent_lines == 50
    assert settings.commit_batch == 200 and settings.fsync_in_thread is True
    assert settings.max_backlog == 1000 and settings.recent_rooms == 20


@pytest.mark.parametrize("raw, value", [("false", False), ("No", False), ("0", False),
                                        ("off", False), ("true", True), ("yes", True)])
def test_yes_no_settings_read_words_not_truthiness(raw, value):
    assert parse({"piratechat.fsync_in_thread": raw}, environ={}).fsync_in_thread is value


def test_a_yes_no_typo_fails_at_start_up():
    with pytest.raises(ValueError, match="yes/no"):
        parse({}, environ={"PIRATECHAT_FSYNC_IN_THREAD": "maybe"})


def test_the_environment_wins_over_the_ini_file():
    settings = parse({"piratechat.zodb_uri": "file:///ini/Data.fs"},
                     environ={"PIRATECHAT_ZODB_URI": "zeo://db:8100"})
    assert settings == Settings(zodb_uri="zeo://db:8100")
