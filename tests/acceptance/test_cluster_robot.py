"""cluster.robot in two real browsers against a cluster: two PirateChat
processes on ZEO and Redis, each browser through an nginx of its own, so the
two are surely on different processes (which process one nginx in front of
both picks is the session hash's business: tests/integration/test_through_nginx.py
and tests/integration/test_cluster.py check that routing)."""

from __future__ import annotations

import os

import pytest

from piratechat.cluster.local import LocalCluster
from piratechat.cluster.processes import free_port, nginx_server
from tests.acceptance.robot_suite import RESULTS, VARIABLES, robot_cases
from tests.acceptance.test_robot import assert_robot_case_passes, case_ids
from tests.support.server import HIGH_LIMITS

CASES = robot_cases("cluster.robot")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("cluster"))
    # short heartbeats: a closed poll ends soon, and its session with it
    running = LocalCluster(2, folder, env={"PIRATECHAT_HEARTBEAT_DELAY": "2",
                                           "PIRATECHAT_DISCONNECT_DELAY": "2",
                                           **HIGH_LIMITS}).start()
    fronts = [nginx_server(free_port(), [chat.port], os.path.join(folder, f"front{n}"))
              for n, chat in enumerate(running.chats)]
    try:
        for front in fronts:
            front.start()
        VARIABLES[:] = [f"APP_URL_A:http://127.0.0.1:{fronts[0].port}",
                        f"APP_URL_B:http://127.0.0.1:{fronts[1].port}"]
        RESULTS.mkdir(parents=True, exist_ok=True)
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(RESULTS)
            yield running
    finally:
        for front in fronts:
            front.stop()
        running.stop()
        (RESULTS / "cluster.log").write_text(running.logs())


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_cluster_case(cluster, case):
    assert_robot_case_passes(case)
