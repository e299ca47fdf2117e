"""The Robot line at the end of a pytest run counts this run's Robot tests, from
Robot's own output, and names the failures: never an earlier run's file, never a
sentence written in advance."""

from __future__ import annotations

import os
import time

from tests.acceptance.test_robot import robot_summary

OUTPUT = """<robot><suite name="Robot">
<suite name="Piratechat"><test name="User talks to a pirate parrot">
  <kw name="Open"><status status="FAIL"/></kw><status status="PASS"/></test>
<test name="Lines stay in their room"><status status="PASS"/></test></suite>
<suite name="Wrong Expectation"><test name="A wrong expectation fails">
  <status status="FAIL"/></test></suite>
</suite></robot>"""


def test_this_runs_output_is_counted_and_its_failures_named(tmp_path):
    started = time.time() - 1
    output = tmp_path / "robot_output.xml"
    output.write_text(OUTPUT)
    assert robot_summary(output, since=started) == (
        f"Robot Framework ({tmp_path}/robot_log.html): 3 robot tests ran in this run, "
        "2 passed, 1 failed: A wrong expectation fails")
    output.write_text(OUTPUT.replace('status="FAIL"/></test></suite>\n</suite>',
                                     'status="PASS"/></test></suite>\n</suite>'))
    assert robot_summary(output, since=started).endswith("3 passed, 0 failed")


def test_an_earlier_runs_output_is_not_reported(tmp_path):
    output = tmp_path / "robot_output.xml"
    output.write_text(OUTPUT)
    os.utime(output, (time.time() - 3600, time.time() - 3600))
    assert robot_summary(output, since=time.time()) is None
    assert robot_summary(tmp_path / "missing.xml", since=0) is None
