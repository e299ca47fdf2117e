*** Settings ***
Documentation     Moderation (issue 22): whoever made a room (its key, a cookie scoped to the
...               room's path) moderates it from the page: lines taken back, names muted,
...               the room made read-only, the log read. Each case makes its own rooms and
...               opens its own browsers; lines checked are said after the pages connected.
Resource          keywords.resource
Library           Moderator.py
Test Teardown     Close All Browsers

*** Variables ***
${SAID}           xpath://ol[@id="messages"]/li[contains(@class,"said")]

*** Test Cases ***
A moderator takes a line back and the other browser loses it live
    ${room}=    the owner makes a room at 1280 px
    a guest opens    ${room}
    user says "a line said in error"
    user sees the line "a line said in error" exactly once
    Switch Browser    owner
    user sees the line "a line said in error" exactly once
    user takes back the line "a line said in error"
    the line "a line said in error" is gone
    Switch Browser    guest
    the line "a line said in error" is gone
    Page Should Contain    A line was taken back.

The author takes back their own line and cannot take back another's
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    second pirate joins room ${room} at ${APP_URL}
    ${theirs}=    second pirate says "a line of another pirate"
    user sees the line "a line of another pirate" exactly once
    user says "my own hasty words"
    user sees the line "my own hasty words" exactly once
    Wait Until Page Contains Element    ${SAID}\[span[@class="text"][.="my own hasty words"]]//button[contains(@class,"take-back")]
    Page Should Not Contain Element    ${SAID}\[span[@class="text"][.="a line of another pirate"]]//button
    a pirate in room ${room} at ${APP_URL} cannot take back line ${theirs}
    user takes back the line "my own hasty words"
    the line "my own hasty words" is gone
    user sees the line "a line of another pirate" exactly once

A muted name is refused and is free again when the mute ends
    ${room}=    the owner makes a room at 1280 px
    a guest opens    ${room}
    ${guest}=    Get Value    id:name
    Switch Browser    owner
    the moderator does    mute    name=${guest}    seconds=5
    Switch Browser    guest
    user says "are you there?"
    user sees "is muted here"
    Wait Until Keyword Succeeds    20s    500ms    the guest's line goes through    free again

Slow mode on a group reaches a room made after it was set
    ${group}=    Evaluate    "crew-" + uuid.uuid4().hex[:8]    modules=uuid
    ${first}=    a new room in group ${group} at ${APP_URL}
    the chat's moderator sets slow mode of 60 s on the group of room ${first} at ${APP_URL}
    ${later}=    a new room in group ${group} at ${APP_URL}
    user opens piratechatapp    /rooms/${later}/
    user says "first words"
    user sees the line "first words" exactly once
    user says "too soon"
    user sees "This room is in slow mode"
    Page Should Not Contain Element    ${SAID}\[span[@class="text"][.="too soon"]]

A read-only room refuses lines and still shows its history at 400 px
    ${room}=    the owner makes a room at 1280 px
    Set Window Size    400    800
    user says "the last word before the night"
    user sees the line "the last word before the night" exactly once
    the moderator does    read_only
    Wait Until Page Contains Element    css:#chat[data-read-only="true"]
    a guest opens    ${room}
    Set Window Size    400    800
    user sees the line "the last word before the night" exactly once
    user says "let me in"
    user sees "This room is read-only now"
    Page Should Not Contain Element    ${SAID}\[span[@class="text"][.="let me in"]]
    Element Should Not Be Visible    id:moderation

The log shows each action, on a page the panel keeps accessible
    ${room}=    the owner makes a room at 1280 px
    user says "to be taken back"
    user sees the line "to be taken back" exactly once
    user takes back the line "to be taken back"
    the line "to be taken back" is gone
    the moderator does    mute    name=Loud Larry    seconds=60
    the moderator does    slow    seconds=5
    the moderator does    read_only
    Click Element    css:#moderation summary
    Click Button    show the log
    Wait Until Page Contains Element    css:#mod-log li[data-action="read_only"]
    Element Should Contain    css:#mod-log li[data-action="retract"]    line 1
    Element Should Contain    css:#mod-log li[data-action="mute"]    Loud Larry
    Element Should Contain    css:#mod-log li[data-action="slow"]    5 s
    the page has no serious accessibility violations

*** Keywords ***
the owner makes a room at 1280 px
    [Documentation]    The front page's form makes the room; its maker holds the key.
    ${name}=    Evaluate    "Robot " + uuid.uuid4().hex[:10]    modules=uuid
    Open Browser    ${APP_URL}/    chrome    alias=owner    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Set Window Size    1280    800
    Wait Until Page Contains Element    css:#chat[data-transport]
    Input Text    room-name    ${name}    clear=True
    user follows    Click Button    go
    Wait Until Page Contains Element    css:#chat[data-room][data-transport][data-moderator="true"]
    Element Should Be Visible    id:moderation
    ${room}=    Get Element Attribute    css:#chat    data-room
    RETURN    ${room}

a guest opens
    [Arguments]    ${room}
    Open Browser    ${APP_URL}/rooms/${room}/    chrome    alias=guest    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#chat[data-transport][data-moderator="false"]

user takes back the line "${text}"
    Click Button    ${SAID}\[span[@class="text"][.="${text}"]]//button[contains(@class,"take-back")]

the line "${text}" is gone
    Wait Until Page Does Not Contain Element    xpath://ol[@id="messages"]/li/span[@class="text"][.="${text}"]
    Page Should Not Contain    ${text}

the moderator does
    [Documentation]    The panel: fill in what the action needs, then its button.
    [Arguments]    ${action}    ${name}=${EMPTY}    ${seconds}=60
    Click Element    css:#moderation summary
    Wait Until Element Is Visible    id:mod-name
    Input Text    mod-name    ${name}    clear=True
    Input Text    mod-seconds    ${seconds}    clear=True
    ${count}=    Get Element Count    css:#messages li.moderated
    Click Button    css:#moderate button[data-action="${action}"]
    Wait Until Keyword Succeeds    10s    100ms    more notices than    ${count}
    Click Element    css:#moderation summary

more notices than
    [Arguments]    ${count}
    ${now}=    Get Element Count    css:#messages li.moderated
    Should Be True    ${now} > ${count}

the guest's line goes through
    [Arguments]    ${text}
    user says "${text}"
    Wait Until Page Contains Element    ${SAID}\[span[@class="text"][.="${text}"]]    timeout=1s
