*** Settings ***
Documentation     The designer's theme (Diazo) and the chat page people use: themed pages at
...               ${APP_URL}, the same app unthemed at ${PLAIN_URL}. Each case opens its own
...               room; lines it checks are said after its page connected.
Resource          keywords.resource
Test Teardown     Run Keywords    Close All Browsers    AND    second pirate leaves

*** Variables ***
${GREEN}          rgba(29, 94, 42, 1)
${RED}            rgba(161, 29, 29, 1)
${SCREENSHOTS}    ${CURDIR}${/}..${/}..${/}test-results${/}robot${/}screenshots

*** Test Cases ***
Themed pages carry the theme's header and unthemed ones do not
    ${room}=    a new room
    user opens piratechatapp
    the page carries the theme's header
    Title Should Be    PirateChat
    Go To    ${APP_URL}/rooms/${room}/
    the page is connected
    the page carries the theme's header
    Page Should Contain Element    css:#theme-sidebar #new-room
    Page Should Contain Element    css:#theme-sidebar section#presence-list h2#presence-heading
    Page Should Contain Element    css:#theme-sidebar ul#presence
    Go To    ${PLAIN_URL}/rooms/${room}/
    the page is connected
    Page Should Not Contain Element    css:#theme-header
    Page Should Contain Element    css:header#header
    Page Should Contain Element    css:#side #new-room

Room pages offer your own room and the recently active rooms
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    user says "Hello, friend"
    user sees the said line "Hello, friend" translated "Avast, mate"
    ${other}=    a new room
    Go To    ${APP_URL}/rooms/${other}/
    the page is connected
    Wait Until Page Contains Element    css:#rooms a[data-room="${room}"]
    Page Should Contain Element    css:form#new-room input#room-name
    Go To    ${APP_URL}/favicon.ico
    Page Should Not Contain    Not Found

No serious accessibility violations, themed and unthemed
    [Template]    axe finds nothing serious on
    ${APP_URL}/
    ${APP_URL}/rooms/axe-themed/
    ${PLAIN_URL}/
    ${PLAIN_URL}/rooms/axe-plain/

Screenshots of the front page and a room at 1280 and 400 px
    [Documentation]    Kept in test-results/robot/screenshots/: front-1280.png, room-400.png,
    ...                ... themed, and plain-*.png the same pages unthemed.
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    user says "Hello, friend"
    user sees the said line "Hello, friend" translated "Avast, mate"
    FOR    ${app}    ${prefix}    IN    ${APP_URL}    ${EMPTY}    ${PLAIN_URL}    plain-
        FOR    ${width}    IN    1280    400
            Set Window Size    ${width}    800
            Go To    ${app}/
            the page is connected
            Capture Page Screenshot    ${SCREENSHOTS}${/}${prefix}front-${width}.png
            Go To    ${app}/rooms/${room}/
            the page is connected
            Capture Page Screenshot    ${SCREENSHOTS}${/}${prefix}room-${width}.png
        END
    END

At 400 px nothing scrolls sideways and the input stays in view while chatting
    [Template]    a narrow screen keeps the input in view on
    ${APP_URL}
    ${PLAIN_URL}

Own lines are marked, a line reads as one unit, Enter sends
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    second pirate joins room ${room} at ${APP_URL}
    Input Text    line    Hello, friend    clear=True
    Press Keys    line    RETURN
    user sees the said line "Hello, friend" translated "Avast, mate"
    ${mine}=    Set Variable    xpath://li[contains(@class,"said")][span[@class="text"][.="Hello, friend"]]
    Element Attribute Value Should Be    ${mine}    class    said own
    Page Should Contain Element    ${mine}/span[@class="you"]
    Page Should Contain Element    ${mine}/time[@datetime]
    second pirate says "the beer"
    user sees the said line "the beer" translated "thar grog"
    Element Attribute Value Should Be
    ...    xpath://li[contains(@class,"said")][span[@class="text"][.="the beer"]]    class    said
    Textfield Value Should Be    line    ${EMPTY}

Only lines the server says are mine are marked, also after a reload
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    second pirate joins room ${room} at ${APP_URL}
    user says "Hello, friend"
    user sees the said line "Hello, friend" translated "Avast, mate"
    # another member's line with an id that looks like the page's (its old prefix)
    ${prefix}=    Execute Javascript    return localStorage.getItem("piratechat.me") || "x";
    second pirate says "the beer" with client id "${prefix}-1-1"
    user sees the said line "the beer" translated "thar grog"
    ${mine}=    Set Variable    xpath://li[contains(@class,"said")][span[@class="text"][.="Hello, friend"]]
    ${theirs}=    Set Variable    xpath://li[contains(@class,"said")][span[@class="text"][.="the beer"]]
    Wait Until Page Contains Element    ${mine}/span[@class="you"]
    Element Attribute Value Should Be    ${theirs}    class    said
    Page Should Not Contain Element    ${theirs}/span[@class="you"]
    ${key}=    Execute Javascript    return localStorage.getItem("piratechat.sender");
    Should Match Regexp    ${key}    ^[0-9a-f-]{32,36}$
    Reload Page
    the page is connected
    user sees the said line "the beer" translated "thar grog"
    Element Attribute Value Should Be    ${mine}    class    said own
    Element Attribute Value Should Be    ${theirs}    class    said

The keyboard alone chats, picks the parrot and shows the transport
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    ${focused}=    Execute Javascript    return document.activeElement.id
    Should Be Equal    ${focused}    line
    Press Keys    None    Hello, friend    RETURN
    user sees the said line "Hello, friend" translated "Avast, mate"
    user tabs to    css:#translator
    Press Keys    None    ARROW_DOWN
    Wait Until Element Contains    id:messages    chose the Shakespearean parrot
    user tabs to    css:#connection-details summary
    Press Keys    None    RETURN
    Element Should Be Visible    id:transport
    user tabs to    id:line
    Press Keys    None    Thank you, friend    RETURN
    user sees the said line "Thank you, friend" translated "Thank thee, friend"

The connection indicator changes colour and words and shows the transport on demand
    ${room}=    a new room
    user opens room "${room}" over "websocket"
    the indicator says "Online" in ${GREEN}
    Element Should Not Be Visible    id:transport
    Click Element    css:#connection-details summary
    Element Should Be Visible    id:transport
    Element Should Contain    id:transport    websocket
    Execute Javascript    window.pirateChat.drop(3000)
    the indicator says "Offline" in ${RED}
    Element Text Should Be    send    send later
    the indicator says "Online" in ${GREEN}
    Element Text Should Be    send    send

Lines typed while offline wait in the outbox and are sent once on reconnect
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    Execute Javascript    window.pirateChat.drop(4000)
    the indicator says "Offline" in ${RED}
    user says "the beer"
    Element Should Contain    css:#outbox li.pending    the beer
    Element Should Contain    css:#outbox li.pending    waiting to be sent
    Page Should Not Contain Element    css:#messages li.said
    user sees the said line "the beer" translated "thar grog"
    Wait Until Page Does Not Contain Element    css:#outbox li
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "Hello, friend"
    user sees the said line "Hello, friend" translated "Avast, mate"
    the number of said lines is 2
    room ${room} at ${APP_URL} holds 2 lines

A line whose echo was cut off is resent and kept once
    ${room}=    a new room
    user opens piratechatapp    /rooms/${room}/
    Execute Javascript    window.pirateChat.cutAfterNextSend(2000)
    user says "Hello, friend"
    the indicator says "Offline" in ${RED}
    user sees the said line "Hello, friend" translated "Avast, mate"
    Wait Until Page Does Not Contain Element    css:#outbox li
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "the beer"
    user sees the said line "the beer" translated "thar grog"
    the number of said lines is 2
    room ${room} at ${APP_URL} holds 2 lines

*** Keywords ***
user tabs to
    [Documentation]    TAB (at most 40 times) until the element has the focus.
    [Arguments]    ${locator}
    ${target}=    Get WebElement    ${locator}
    FOR    ${n}    IN RANGE    40
        ${there}=    Execute Javascript    return document.activeElement === arguments[0];
        ...    ARGUMENTS    ${target}
        IF    ${there}    RETURN
        Press Keys    None    TAB
    END
    Fail    ${locator} cannot be reached with the TAB key

the page is connected
    Wait Until Page Contains Element    css:#chat[data-transport]
    Wait Until Page Contains Element    css:#status[data-state="online"]

the indicator says "${words}" in ${colour}
    Wait Until Element Contains    id:status    ${words}
    ${background}=    Get CSS Property Value    id:status    background-color
    Should Be Equal    ${background}    ${colour}

axe finds nothing serious on
    [Arguments]    ${url}
    Open Browser    ${url}    chrome    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the page is connected
    user says "Hello, friend"
    Wait Until Page Contains    Avast, mate
    Click Element    css:#connection-details summary
    the page has no serious accessibility violations
    [Teardown]    Close All Browsers

a narrow screen keeps the input in view on
    [Arguments]    ${app}
    ${room}=    a new room
    Open Browser    ${app}/rooms/${room}/    chrome    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Set Window Size    400    800
    the page is connected
    second pirate joins room ${room} at ${app}
    FOR    ${n}    IN RANGE    25
        second pirate says "line ${n} of a long talk that wraps on a narrow screen"
    END
    user says "Hello, friend"
    user sees the said line "Hello, friend" translated "Avast, mate"
    ${sideways}=    Execute Javascript
    ...    return document.documentElement.scrollWidth - document.documentElement.clientWidth
    Should Be Equal As Integers    ${sideways}    0
    ${in_view}=    Execute Javascript
    ...    var r = document.getElementById("line").getBoundingClientRect();
    ...    return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;
    Should Be True    ${in_view}
    [Teardown]    Run Keywords    Close All Browsers    AND    second pirate leaves
