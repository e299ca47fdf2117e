import pytest

from tests.support.server import LiveServer


@pytest.fixture(scope="session")
def live_server():
    """The chat served by `piratechat serve` on a free loopback port."""
    server = LiveServer(env={"PIRATECHAT_HEARTBEAT_DELAY": "2"})
    url = server.start()
    yield url
    server.stop()


def pytest_terminal_summary(terminalreporter):
    """Say how many Robot Framework tests really ran, from Robot's own output."""
    from tests.acceptance.test_robot import robot_statistics

    stats = robot_statistics()
    if stats is not None:
        passed, failed = stats
        terminalreporter.write_line(
            f"Robot Framework (test-results/robot/robot_log.html): {passed} robot tests passed, "
            f"{failed} failed (1 failure is the deliberate wrong expectation)"
        )
