*** Settings ***
Documentation     Two browsers on two PirateChat processes, each through nginx, one on
...               xhr-polling and one on WebSocket: each sees the other's lines and
...               presence (test_cluster_robot.py starts the cluster: Redis, ZEO, nginx).
Resource          keywords.resource
Test Teardown     Close All Browsers

*** Variables ***
${APP_URL_A}      http://127.0.0.1:8081
${APP_URL_B}      http://127.0.0.1:8082

*** Test Cases ***
Browsers on two processes see each other's lines and presence
    ${room}=    Evaluate    "cluster-" + uuid.uuid4().hex[:8]    modules=uuid
    Open Browser    ${APP_URL_A}/rooms/${room}/?transport=xhr-polling    chrome    alias=polling    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the connection uses "xhr-polling"
    user is called "Polly"
    Open Browser    ${APP_URL_B}/rooms/${room}/?transport=websocket    chrome    alias=websocket    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the connection uses "websocket"
    user is called "Wendy"
    "Polly" is listed as here
    Switch Browser    polling
    "Wendy" is listed as here
    user says "Ahoy from the polling side"
    Switch Browser    websocket
    user sees the line "Ahoy from the polling side" exactly once
    user says "Hello, friend"
    Close Browser
    Switch Browser    polling
    user sees "Avast, mate"
    "Wendy" is no longer listed

*** Keywords ***
user is called "${name}"
    Execute Javascript    var n = document.getElementById("name"); n.value = "${name}"; n.dispatchEvent(new Event("change"));
    "${name}" is listed as here

"${name}" is listed as here
    Wait Until Page Contains Element    xpath://ul[@id="presence"]/li[.="${name}"]

"${name}" is no longer listed
    Wait Until Page Does Not Contain Element    xpath://ul[@id="presence"]/li[.="${name}"]    timeout=20s
