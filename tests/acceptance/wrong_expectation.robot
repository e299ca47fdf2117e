*** Settings ***
Documentation     Expected to FAIL: proves a wrong expectation makes the robot run fail
...               (see test_robot.py::test_a_wrong_expectation_fails). Not part of the suite.
Resource          keywords.resource
Test Teardown     Close All Browsers

*** Test Cases ***
The parrot does not say what it never said
    user opens piratechatapp
    Set Selenium Timeout    2s
    user enters "pyramid_sockjs is cool"
    user hits "send"
    user sees "pyramid_sockjs is not cool at all"
