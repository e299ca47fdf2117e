*** Settings ***
Documentation     A room's owner: whoever made the room holds its key (a cookie scoped to
...               the room's path); the owner's parrot choice locks the parrot, and a
...               pirate in another browser, without the key, cannot change it.
Resource          keywords.resource
Test Teardown     Close All Browsers

*** Test Cases ***
The pirate who made a room locks its parrot
    user opens piratechatapp
    Input Text    room-name    Parrot Perch    clear=True
    user follows    Click Button    go
    Wait Until Page Contains Element    css:#chat[data-room][data-transport]
    Wait Until Page Contains    You made this room
    Select From List By Value    translator    bard
    user sees "chose the Shakespearean parrot"
    ${room}=    Get Location
    Open Browser    ${room}    chrome    alias=second    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#chat[data-transport]
    Page Should Not Contain    You made this room
    List Selection Should Be    translator    bard
    Select From List By Value    translator    pirate
    user sees "The room's owner has locked its parrot."
    user says "Thank you, friend"
    user sees "Thank thee, friend"
