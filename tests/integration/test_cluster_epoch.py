"""A reset told from a gap: the chat's database replaced behind its address
(an operator restores or starts afresh, as a cluster's storage server may be)
while clients keep the lines and numbers of the old one.

The new history already holds more lines than the clients saw, so ``after``
alone looks like a gap: only the epoch tells (docs/protocol.md, Epochs). Each
test runs a server on a fixed port over one database, then another over a
new one on the same port, as a client sees a replaced deployment.
"""

from __future__ import annotations

import sys
import uuid

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from piratechat.cluster.processes import free_port
from tests.support.chat_clients import WebSocketClient
from tests.support.server import LiveServer

OLD, NEW = 3, 5  # lines in the room before and after the database is replaced


def server(port: int, database: str) -> LiveServer:
    return LiveServer(env={"PIRATECHAT_ZODB_URI": f"file://{database}/Data.fs"},
                      command=[sys.executable, "-m", "piratechat.cli", "serve", "--ini",
                               "development.ini", "--host", "127.0.0.1", "--port", str(port)])


def say_lines(url: str, room: str, prefix: str, count: int) -> str:
    """Say ``count`` lines in ``room``; the history's epoch."""
    client = WebSocketClient(url, timeout=30)
    try:
        epoch = client.join(room, "Teller")["epoch"]
        for n in range(1, count + 1):
            client.say_stored(f"{prefix} {n}")
        return epoch
    finally:
        client.close()


class Replaced:
    """A room with OLD lines on one database; ``replace()`` serves a new
    database on the same address, where the room has NEW lines."""

    def __init__(self, tmp_path):
        self.port, self.tmp = free_port(), tmp_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.room = "epoch-" + uuid.uuid4().hex[:8]
        self.running = server(self.port, str(tmp_path / "old"))
        self.running.start()
        self.old_epoch = say_lines(self.url, self.room, "old", OLD)

    def replace(self) -> None:
        self.running.stop()
        self.running = server(self.port, str(self.tmp / "new"))
        self.running.start()
        self.new_epoch = say_lines(self.url, self.room, "new", NEW)
        assert self.new_epoch != self.old_epoch

    def stop(self) -> None:
        self.running.stop()


@pytest.fixture
def replaced(tmp_path):
    deployment = Replaced(tmp_path)
    yield deployment
    deployment.stop()


def test_a_join_after_a_seq_of_another_epoch_is_a_reset(replaced):
    replaced.replace()
    client = WebSocketClient(replaced.url, timeout=30)
    try:
        joined = client.join(replaced.room, "Ann", after=OLD, epoch=replaced.old_epoch)
        assert joined["epoch"] == replaced.new_epoch
        assert client.next() == {"type": "reset", "room": replaced.room, "seq": NEW}
        lines = client.lines(NEW)
        assert [line["text"] for line in lines] == [f"new {n}" for n in range(1, NEW + 1)]
        assert {line["epoch"] for line in lines} == {replaced.new_epoch}
    finally:
        client.close()


def test_a_join_after_a_seq_of_the_same_epoch_gets_what_was_missed(replaced):
    replaced.replace()
    client = WebSocketClient(replaced.url, timeout=30)
    try:
        client.join(replaced.room, "Ann", after=OLD, epoch=replaced.new_epoch)
        first = client.next()
        assert first["type"] == "line" and first["seq"] == OLD + 1  # no reset, no gap
        assert [line["text"] for line in client.lines(NEW - OLD)] == ["new 4", "new 5"]
    finally:
        client.close()


def test_a_bad_epoch_is_refused_with_a_clear_error(replaced):
    client = WebSocketClient(replaced.url, timeout=30)
    try:
        client.send({"type": "join", "name": "Ann", "room": replaced.room, "after": 1,
                     "epoch": 7})
        error = client.next()
        assert error["type"] == "error" and error["code"] == "bad_message"
        assert "epoch" in error["message"]
        assert client.join(replaced.room, "Ann")["epoch"] == replaced.old_epoch  # still usable
    finally:
        client.close()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"),
                              options=options)
    yield driver
    driver.quit()


def shown(driver) -> list[str]:
    """The texts of the lines the page shows, in order."""
    return [item.text for item in
            driver.find_elements(By.CSS_SELECTOR, "#messages li.said span.text")]


def test_the_page_shows_the_new_history_not_the_old_with_its_tail(replaced, browser):
    browser.get(f"{replaced.url}/rooms/{replaced.room}/")
    wait = WebDriverWait(browser, 30)
    old = [f"old {n}" for n in range(1, OLD + 1)]
    wait.until(lambda d: shown(d) == old)
    assert browser.find_element(By.ID, "chat").get_attribute("data-epoch") == replaced.old_epoch

    replaced.replace()  # the page loses its server and reconnects to the new database
    wait.until(lambda d: d.find_element(By.ID, "chat").get_attribute("data-epoch")
               == replaced.new_epoch)
    new = [f"new {n}" for n in range(1, NEW + 1)]
    try:
        wait.until(lambda d: shown(d) == new)
    except TimeoutException:
        pass
    assert shown(browser) == new  # not old 1-3 with new 4-5 after them
