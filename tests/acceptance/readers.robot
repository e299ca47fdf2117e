*** Settings ***
Documentation     The reader's chat: each reader reads the room through a parrot of their
...               own, and what a member has read follows them from browser to browser.
...               Each case has its own room and its own readers.
Resource          keywords.resource
Test Teardown     Run Keywords    second pirate leaves    AND    Close All Browsers

*** Test Cases ***
Two readers of one room read the same line each through their own parrot
    ${room}=    a room of its own    parrots
    a reader opens the room    ${room}    bard    alias=bard
    a reader opens the room    ${room}    original    alias=original
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "Hello my friend, where is the beer"
    Switch Browser    bard
    the line "Hello my friend, where is the beer" reads through the    bard
    Element Text Should Be    xpath://li[contains(@class,"said")][span[@class="text"][.="Hello my friend, where is the beer"]]//span[@class="translation"]    Good morrow my friend, where is the beer
    Switch Browser    original
    the line "Hello my friend, where is the beer" reads through the    original
    Element Text Should Be    xpath://li[contains(@class,"said")][span[@class="text"][.="Hello my friend, where is the beer"]]//span[@class="translation"]    Hello my friend, where is the beer
    Element Attribute Value Should Be    xpath://li[contains(@class,"said")][span[@class="text"][.="Hello my friend, where is the beer"]]    data-room-translator    pirate

Switching the parrot re-reads the lines shown
    ${room}=    a room of its own    switch
    a reader opens the room    ${room}    ${EMPTY}    alias=reader
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "Hello my friend"
    the line "Hello my friend" reads through the    pirate
    Select From List By Value    read-as    original
    Wait Until Page Contains Element    css:#chat[data-reread="original"]
    the line "Hello my friend" reads through the    original

One member in two browsers: reading in the first clears the count in the second
    ${room}=    a room of its own    unread
    ${member}=    Evaluate    "Anne" + uuid.uuid4().hex[:6]    modules=uuid
    a member opens the room    ${member}    ${room}    alias=first
    Wait Until Page Contains Element    css:#chat[data-last-read="0"]
    Go To    ${APP_URL}/test/sign-in?name=${member}
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "One for the unread"
    second pirate says "Two for the unread"
    a member opens the room    ${member}    /    alias=second
    Wait Until Page Contains Element    css:#rooms a[data-room="${room}"][data-unread="2"]
    Element Text Should Be    xpath://a[@data-room="${room}"]/following-sibling::span[@class="unread"]    2
    Switch Browser    first
    Go To    ${APP_URL}/rooms/${room}/
    user sees the line "Two for the unread" exactly once
    Switch Browser    second
    Wait Until Page Contains Element    css:#rooms a[data-room="${room}"][data-unread="0"]
    Element Should Not Be Visible    xpath://a[@data-room="${room}"]/following-sibling::span[@class="unread"]

*** Keywords ***
a room of its own
    [Arguments]    ${what}
    ${room}=    Evaluate    "${what}-" + uuid.uuid4().hex[:8]    modules=uuid
    RETURN    ${room}

a reader opens the room
    [Documentation]    A fresh browser that reads ${room} through ${parrot} ("" for the room's).
    [Arguments]    ${room}    ${parrot}    ${alias}
    Open Browser    ${APP_URL}/rooms/${room}/    chrome    alias=${alias}    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#chat[data-epoch]
    Select From List By Value    read-as    ${parrot}
    Run Keyword If    "${parrot}" != ""    Wait Until Page Contains Element    css:#chat[data-read-as="${parrot}"]

the line "${text}" reads through the
    [Arguments]    ${parrot}
    Wait Until Page Contains Element    xpath://ol[@id="messages"]/li[contains(@class,"said")][@data-translator="${parrot}"]/span[@class="text"][.="${text}"]

a member opens the room
    [Documentation]    A fresh browser signed in to the site as ${member}, on ${where}
    ...                (a room's name, or / for the front page).
    [Arguments]    ${member}    ${where}    ${alias}
    Open Browser    ${APP_URL}/test/sign-in?name=${member}    chrome    alias=${alias}    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    ${path}=    Set Variable If    "${where}" == "/"    /    /rooms/${where}/
    Go To    ${APP_URL}${path}
    Wait Until Page Contains Element    css:#chat[data-member="${member}"][data-epoch]
