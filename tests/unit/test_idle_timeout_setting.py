"""``idle_timeout`` comes from the ini's ``[server:main]`` (beside host and port),
for every server that reads it: the gevent runner (pserve), ``piratechat serve``
and gunicorn (as its keepalive); checked like every setting."""

from __future__ import annotations

import pytest

from piratechat.commands.ini import server_settings
from piratechat.gunicorn_config import _server_settings
from piratechat.settings import SettingsError, idle_timeout


def ini(tmp_path, line: str) -> str:
    path = tmp_path / "server.ini"
    path.write_text(f"[server:main]\nuse = egg:piratechat#gevent\nhost = 127.0.0.1\n"
                    f"port = 6543\n{line}\n")
    return str(path)


def test_the_server_section_says_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PIRATECHAT_IDLE_TIMEOUT", raising=False)
    path = ini(tmp_path, "idle_timeout = 7.5")
    assert idle_timeout(server_settings(path), environ={}) == 7.5
    assert _server_settings(path)["keepalive"] == 8  # gunicorn takes whole seconds
    assert "idle_timeout" not in _server_settings(path)


def test_unset_it_is_30_seconds_and_the_environment_wins(tmp_path):
    assert idle_timeout({}, environ={}) == 30.0
    assert idle_timeout({"idle_timeout": "7"}, environ={"PIRATECHAT_IDLE_TIMEOUT": "2"}) == 2.0


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_bad_value_is_one_sentence_naming_it(value):
    with pytest.raises(SettingsError, match=r"^idle_timeout \(\[server:main\]\) = "):
        idle_timeout({"idle_timeout": value}, environ={})
