*** Settings ***
Documentation     PirateChat acceptance: a real server, a real headless Chromium.
Resource          keywords.resource
Test Teardown     Close All Browsers

*** Test Cases ***
User talks to a pirate parrot
    user opens piratechatapp
    user enters "pyramid_sockjs is cool"
    user hits "send"
    user sees "pyramid_sockjs be cool"

Two pirates see each other's lines
    user opens piratechatapp
    ${first}=    Get Location
    Open Browser    ${first}    chrome    alias=second    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#chat[data-transport]
    user says "Hello, friend"
    user sees "Avast, mate"
    Switch Browser    1
    user sees "Avast, mate"
    user says "My friends want beer."
    user sees "My crew want grog."
    Switch Browser    second
    user sees "My crew want grog."

Markup in a line shows as text and runs nothing
    user opens piratechatapp
    user says "<img src=x onerror=alert(1)>"
    user sees the line "<img src=x onerror=alert(1)>" exactly once
    user says "<script>document.title='pwned'</script>"
    user sees the line "<script>document.title='pwned'</script>" exactly once
    nothing ran from the line

An empty line sends nothing
    user opens piratechatapp
    user says "first line"
    user sees the line "first line" exactly once
    ${before}=    Get Element Count    css:#messages li.said
    user says "${EMPTY}"
    user says "${SPACE}${SPACE}${SPACE}"
    user says "last line"
    user sees the line "last line" exactly once
    the number of said lines is ${before + 1}
