"""chat/core/text.py: which characters a line and a name may hold, and terminal escapes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piratechat.chat.core.text import BadText, check_line, check_name, printable


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\x1b[31m", "\x07", "\x7f", "\x85",
                                  "\r"])
def test_lines_refuse_surrogates_and_controls(text):
    with pytest.raises(BadText):
        check_line(text)


@pytest.mark.parametrize("text", ["tab\tand\nnewline", "日本語 עברית 🦜", "\u202bembedded\u202c"])
def test_lines_keep_tab_newline_and_any_script(text):
    assert check_line(text) == text


@pytest.mark.parametrize("name", ["\u202eniatpaC", "a\u2066b", "a\u200fb", "a\tb", "a\nb",
                                  "a\u2028b", "\udc00", "\x1b"])
def test_names_refuse_controls_and_direction_characters(name):
    with pytest.raises(BadText):
        check_name(name)


def test_printable_escapes_what_drives_a_terminal():
    assert printable("\x1b[2J\u202eA\ud800\n\t\x9b ok 日本") == (
        "\\x1b[2J\\u202eA\\ud800\\n\\t\\x9b ok 日本")


@given(st.text())
def test_printable_output_is_always_encodable_and_free_of_controls(text):
    out = printable(text)
    out.encode("utf-8")
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in out)


@given(st.text())
def test_whatever_a_line_check_accepts_is_utf8(text):
    try:
        check_line(text)
    except BadText:
        return
    text.encode("utf-8")
