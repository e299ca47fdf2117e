"""``piratechat translate --translator NAME`` and ``piratechat translators``."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest

from piratechat import cli
from tests.support.arrpi_server import ArrpiServer, answer


@pytest.fixture(autouse=True)
def no_environment_settings(monkeypatch):
    for key in ("TRANSLATOR", "TRANSLATORS", "REMOTE_URL"):
        monkeypatch.delenv("PIRATECHAT_" + key, raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_translators_lists_name_title_and_origin_default_first(capsys):
    status, out, _ = run(capsys, "translators")
    rows = [line.split(None, 2) for line in out.splitlines()]
    assert status == 0
    assert rows[0] == ["name", "title", "from"]
    assert out.splitlines()[1].split() == ["pirate", "*", "Pirate", "piratechat", "(built-in)"]
    assert any(line.startswith("bard ") and "Shakespearean" in line for line in out.splitlines())
    assert out.splitlines()[-1] == "* the default"


def test_translate_with_a_chosen_translator(capsys):
    assert run(capsys, "translate", "--translator", "bard", "Do you know your ale?") == (
        0,
        "Dost thou know thine ale?\n",
        "",
    )


def test_translate_without_a_choice_uses_the_default(capsys, monkeypatch):
    assert run(capsys, "translate", "Hello, friend")[1] == "Avast, mate\n"
    monkeypatch.setenv("PIRATECHAT_TRANSLATOR", "bard")
    assert run(capsys, "translate", "Hello, friend")[1] == "Good morrow, friend\n"


def test_translate_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("you are\nit is late\n"))
    assert run(capsys, "translate", "--translator", "bard", "-")[1] == "thou art\n'tis late\n"


def test_an_unknown_translator_is_refused_with_the_list(capsys):
    status, out, err = run(capsys, "translate", "--translator", "klingon", "Hello")
    assert (status, out) == (2, "")
    assert "no translator named 'klingon'; offered: pirate, bard" in err


def test_settings_come_from_the_ini_file(capsys, tmp_path):
    ini = tmp_path / "chat.ini"
    ini.write_text(
        textwrap.dedent(
            """
            [app:main]
            use = egg:piratechat#main
            piratechat.translators = bard
            piratechat.translator = bard
            """
        )
    )
    status, out, _ = run(capsys, "translators", "--ini", str(ini))
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["bard"]
    assert run(capsys, "translate", "--ini", str(ini), "Hello")[1] == "Good morrow\n"


def test_a_bad_configuration_is_reported_not_raised(capsys, monkeypatch):
    monkeypatch.setenv("PIRATECHAT_TRANSLATORS", "pirate nonesuch")
    status, _, err = run(capsys, "translators")
    assert status == 2 and "['nonesuch'], which are not installed" in err


def test_remote_answers_and_its_failure_is_said_on_standard_error(capsys, monkeypatch):
    with ArrpiServer() as service:
        monkeypatch.setenv("PIRATECHAT_REMOTE_URL", service.url)
        monkeypatch.setenv("PIRATECHAT_REMOTE_READ_TIMEOUT", "0.3")
        assert run(capsys, "translate", "--translator", "remote", "Hi") == (
            0,
            answer("Hi") + "\n",
            "",
        )
        service.mode = "error"
        status, out, err = run(capsys, "translate", "--translator", "remote", "Hello, friend")
    assert (status, out) == (0, "Avast, mate\n")
    assert "remote failed; pirate answered" in err


def test_the_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "piratechat.cli", "translate", "--translator", "bard", "Thank you"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "Thank thee\n"
