*** Settings ***
Documentation     Rooms: a name typed on the front page becomes a room at its own URL,
...               found by traversal and kept in ZODB. Whoever opens the URL joins that
...               room, sees its earlier lines at once and new ones live; lines never
...               cross rooms; a dropped connection comes back with what it missed.
Resource          keywords.resource
Test Teardown     Close All Browsers

*** Test Cases ***
A pirate names a room and lands in it
    user opens piratechatapp
    user names a room "Treasure Island"
    the room's chat is connected
    Location Should Be    ${APP_URL}/rooms/treasure-island/
    Element Text Should Be    room-title    Treasure Island
    user says "Hello, friend"
    user sees "Avast, mate"

A second pirate opening the room's URL sees the earlier lines, then new ones live
    user opens piratechatapp
    user is called "Long John"
    user names a room "Skull Rock"
    the room's chat is connected
    user says "Hello, friend"
    user sees "Avast, mate"
    ${room}=    Get Location
    a second pirate opens    ${room}
    user sees the line "Hello, friend" exactly once
    the line "Hello, friend" shows who said it and when    Long John
    Switch Browser    1
    user says "My friends want beer."
    Switch Browser    second
    user sees "My crew want grog."
    the line "My friends want beer." shows who said it and when    Long John

Lines never cross rooms
    user opens piratechatapp
    user names a room "Port"
    the room's chat is connected
    a second pirate opens    ${APP_URL}/rooms/starboard/
    Switch Browser    1
    user says "Hello, friend"
    user sees "Avast, mate"
    Switch Browser    second
    user says "the beer"
    user sees "thar grog"
    Page Should Not Contain    Hello, friend
    Switch Browser    1
    user says "My friends want beer."
    user sees "My crew want grog."
    Page Should Not Contain    the beer

The front page lists the rooms active lately
    user opens piratechatapp
    user names a room "Tortuga"
    the room's chat is connected
    user says "Hello, friend"
    user sees "Avast, mate"
    Go To    ${APP_URL}/
    Wait Until Page Contains Element    css:#rooms a[data-room="tortuga"]
    user follows    Click Link    Tortuga
    Location Should Be    ${APP_URL}/rooms/tortuga/
    user sees the line "Hello, friend" exactly once

A nickname is asked once and remembered
    user opens piratechatapp
    user is called "Anne Bonny"
    user names a room "Nassau"
    the room's chat is connected
    Textfield Value Should Be    name    Anne Bonny
    user says "Hello, friend"
    the line "Hello, friend" shows who said it and when    Anne Bonny

A dropped connection comes back with the lines said meanwhile
    user opens piratechatapp
    user names a room "Reef"
    the room's chat is connected
    user says "first line"
    user sees the line "first line" exactly once
    ${room}=    Get Location
    a second pirate opens    ${room}
    Switch Browser    1
    Execute Javascript    window.pirateChat.drop(3000)
    Wait Until Page Does Not Contain Element    css:#chat[data-transport]
    Switch Browser    second
    user says "the beer"
    user sees "thar grog"
    user says "Hello, friend"
    user sees "Avast, mate"
    Switch Browser    1
    Wait Until Page Contains Element    css:#chat[data-transport]
    user sees the line "the beer" exactly once
    user sees the line "Hello, friend" exactly once
    the said lines are numbered 1, 2, 3

A name that cannot be a room gets a clear page
    user opens piratechatapp
    user names a room "../../etc/passwd"
    Page Should Contain    A room name is not a path
    Page Should Contain Link    Back to the front page

*** Keywords ***
user names a room "${name}"
    Input Text    room-name    ${name}    clear=True
    user follows    Click Button    go

the room's chat is connected
    Wait Until Page Contains Element    css:#chat[data-room][data-transport]

user is called "${nickname}"
    Input Text    name    ${nickname}    clear=True
    Press Keys    name    TAB

a second pirate opens
    [Arguments]    ${url}
    Open Browser    ${url}    chrome    alias=second    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#chat[data-transport]

the line "${text}" shows who said it and when
    [Arguments]    ${author}
    ${said}=    Set Variable    xpath://li[contains(@class,"said")][span[@class="text"][.="${text}"]]
    Wait Until Page Contains Element    ${said}
    Element Text Should Be    ${said}/span[@class="author"]    ${author}
    Element Attribute Value Should Match    ${said}/time    datetime    ????-??-??T??:??:??.???Z

the said lines are numbered ${first}, ${second}, ${third}
    ${seqs}=    Execute Javascript
    ...    return Array.from(document.querySelectorAll("#messages li.said")).map(function (li) { return li.getAttribute("data-seq"); }).join(",")
    Should Be Equal    ${seqs}    ${first},${second},${third}

Element Attribute Value Should Match
    [Arguments]    ${locator}    ${attribute}    ${pattern}
    ${value}=    Get Element Attribute    ${locator}    ${attribute}
    Should Match    ${value}    ${pattern}
