*** Settings ***
Documentation     Every line a page, and search: a line said after the page loaded is
...               found by the search, and its result opens the line's own page; a
...               line's link, opened in a browser that never saw the room, shows the
...               line among the lines around it, and leads into the room at it.
Resource          keywords.resource
Test Teardown     Close All Browsers

*** Test Cases ***
A search finds a line said after the page loaded and its result opens the line's page
    ${room}=    a new room
    ${word}=    a word nobody said yet
    user opens piratechatapp    /rooms/${room}/
    second pirate joins room ${room} at ${APP_URL}
    ${seq}=    second pirate says "The ${word} rises from the deep"
    user sees the line "The ${word} rises from the deep" exactly once
    Input Text    search-words    ${word}
    user follows    Click Button    search-go
    Wait Until Page Contains Element    css:#results li.result
    ${count}=    Get Element Count    css:#results li.result
    Should Be Equal As Integers    ${count}    1
    Element Text Should Be    css:#results li.result .text    The ${word} rises from the deep
    user follows    Click Link    css:#results a.result-link
    Location Should Be    ${APP_URL}/rooms/${room}/lines/${seq}
    Element Text Should Be    line-text    The ${word} rises from the deep
    Element Text Should Be    line-author    Second Pirate

A line's link opened in a fresh browser shows the line in context
    ${room}=    a new room
    ${word}=    a word nobody said yet
    user opens piratechatapp    /rooms/${room}/
    Set Window Size    400    800
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "before the ${word}"
    ${seq}=    second pirate says "the ${word} itself"
    second pirate says "after the ${word}"
    user sees the line "after the ${word}" exactly once
    ${link}=    Set Variable    css:#line-${seq} a.permalink
    Element Should Be Visible    ${link}
    ${url}=    Get Element Attribute    ${link}    href
    Should Be Equal    ${url}    ${APP_URL}/rooms/${room}/lines/${seq}
    Close All Browsers
    Open Browser    ${url}    chrome    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the page carries the theme's header
    Element Text Should Be    line-text    the ${word} itself
    Element Text Should Be    css:.around li.this .text    the ${word} itself
    Element Text Should Be    css:.around li[data-seq="${seq - 1}"] .text    before the ${word}
    Element Text Should Be    css:.around li[data-seq="${seq + 1}"] .text    after the ${word}
    user follows    Click Link    join-here
    Wait Until Page Contains Element    css:#messages li.said.linked#line-${seq}

*** Keywords ***
a word nobody said yet
    ${word}=    Evaluate    "kraken" + uuid.uuid4().hex[:10]    modules=uuid
    RETURN    ${word}
