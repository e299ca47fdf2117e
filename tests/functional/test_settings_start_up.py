"""A setting that cannot be used stops the real server before it serves, under
each way we run it: exit status 1, one sentence naming the setting, no
traceback (settings.py, piratechat.main, piratechat/gunicorn_config.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from tests.support.server import ROOT, LiveServer

KINDS = ["piratechat serve", "pserve", "gunicorn"]


def ini_with(tmp_path, kind: str, line: str) -> str:
    """The ini ``kind`` runs on (development's; production's for gunicorn), with
    ``line`` added to its ``[app:main]``, runnable from a temporary folder."""
    source = ROOT / ("production.ini" if kind == "gunicorn" else "development.ini")
    text = (source.read_text().replace("[app:main]", f"[app:main]\n{line}", 1)
            .replace("port = 6543", "port = 0").replace("%(here)s/theme", str(ROOT / "theme")))
    ini = tmp_path / f"{kind.replace(' ', '-')}.ini"
    ini.write_text(text)
    return str(ini)


def start(kind: str, ini: str, env: dict | None = None) -> subprocess.CompletedProcess:
    commands = {
        "piratechat serve": [sys.executable, "-m", "piratechat.cli", "serve", "--ini", ini,
                             "--port", "0"],
        "pserve": [str(ROOT / ".venv/bin/pserve"), ini],
        "gunicorn": [sys.executable, "-m", "gunicorn", "--paste", ini, "--bind", "127.0.0.1:0"],
    }
    server = LiveServer(command=commands[kind], env=env)  # its environment and scratch database
    return subprocess.run(server.command, cwd=ROOT, env=server.env, capture_output=True,
                          text=True, timeout=60)


def assert_refused(done: subprocess.CompletedProcess, sentence: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback" not in output and "Serving on" not in output, output
    assert "Listening at" not in output, output
    assert sentence in output.strip().splitlines()[-1], output


@pytest.mark.parametrize("kind", KINDS)
def test_a_misspelt_setting_stops_the_start_naming_it(tmp_path, kind):
    done = start(kind, ini_with(tmp_path, kind, "piratechat.max_qeue = 5"))
    assert_refused(done, "unknown setting piratechat.max_qeue; did you mean "
                         "piratechat.max_queue?")


@pytest.mark.parametrize("kind", KINDS)
def test_a_setting_out_of_range_stops_the_start_naming_it_and_its_range(tmp_path, kind):
    done = start(kind, ini_with(tmp_path, kind, ""), env={"PIRATECHAT_MAX_QUEUE": "-5"})
    assert_refused(done, "PIRATECHAT_MAX_QUEUE (environment) = '-5' is out of range: "
                         "it must be at least 1")


def test_a_default_translator_not_offered_stops_the_start_naming_the_setting(tmp_path):
    done = start("pserve", ini_with(tmp_path, "pserve", "piratechat.translator = yodaa"))
    assert_refused(done, "piratechat.translator is 'yodaa', which is not offered")


@pytest.mark.parametrize("command", ["history", "evolve", "translators"])
def test_the_other_commands_refuse_a_misspelt_setting_in_one_sentence(tmp_path, command):
    args = [command, "lobby"] if command == "history" else [command]
    ini = ini_with(tmp_path, "piratechat serve", "piratechat.recent_room = 5")
    done = subprocess.run([sys.executable, "-m", "piratechat.cli", *args, "--ini", ini],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode in (1, 2) and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert ("unknown setting piratechat.recent_room; did you mean piratechat.recent_rooms?"
            in done.stderr), done.stderr


def gunicorn_elsewhere(tmp_path, *options: str) -> list[str]:
    """gunicorn run from a folder without gunicorn.conf.py (a service's working
    directory), on production.ini."""
    return [sys.executable, "-m", "gunicorn", *options, "--paste", str(ROOT / "production.ini"),
            "--bind", "127.0.0.1:0"]


def test_gunicorn_without_our_settings_stops_at_once_instead_of_restarting_workers(tmp_path):
    done = subprocess.run(gunicorn_elsewhere(tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=LiveServer().env)
    output = done.stdout + done.stderr
    assert done.returncode == 4, output  # gunicorn's "App failed to load": the arbiter stops
    assert output.count("Booting worker") == 1 and "Traceback" not in output, output
    assert ("piratechat: gunicorn started without piratechat's gunicorn settings (gevent "
            "worker, the workers check): run it from the checkout, which has gunicorn.conf.py, "
            "or add -c python:piratechat.gunicorn_config") in output, output


def test_gunicorn_with_our_settings_from_elsewhere_refuses_a_bad_setting(tmp_path):
    env = dict(LiveServer().env, PIRATECHAT_MAX_QUEUE="-5")
    done = subprocess.run(gunicorn_elsewhere(tmp_path, "-c", "python:piratechat.gunicorn_config"),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert_refused(done, "PIRATECHAT_MAX_QUEUE (environment) = '-5' is out of range: "
                         "it must be at least 1")


def test_gunicorn_with_our_settings_from_elsewhere_serves_on_a_gevent_worker(tmp_path):
    server = LiveServer(command=gunicorn_elsewhere(tmp_path, "-c",
                                                   "python:piratechat.gunicorn_config"),
                        pattern=r"Listening at: (http://\S+)", cwd=tmp_path)
    url = server.start()
    try:
        with urllib.request.urlopen(f"{url}/sockjs/info", timeout=20) as answer:
            assert json.load(answer)["websocket"] is True
        assert "Using worker: gevent" in "".join(server.output)
    finally:
        server.stop()


def test_a_list_setting_with_a_bad_entry_stops_the_real_server_naming_it(tmp_path):
    done = start("pserve", ini_with(tmp_path, "pserve",
                                    "piratechat.allowed_origins = chat.example.org"))
    assert_refused(done, "piratechat.allowed_origins = 'chat.example.org': 'chat.example.org' "
                         "is not an origin (https://host[:port])")
