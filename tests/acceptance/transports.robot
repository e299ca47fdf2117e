*** Settings ***
Documentation     Chatting over every sockjs-client transport, each forced in turn, through the
...               theme: each case opens a room of its own over exactly that transport; a
...               second client (a program on the raw WebSocket) says a line after the page
...               connected, and the page must show it live with the parrot's words; then the
...               page's own line must come back translated. No backlog can satisfy it.
Resource          keywords.resource
Test Teardown     Run Keywords    Close All Browsers    AND    second pirate leaves
Test Template     chatting works over

*** Test Cases ***                       TRANSPORT
Chatting over websocket                  websocket
Chatting over xhr-streaming              xhr-streaming
Chatting over xhr-polling                xhr-polling
Chatting over eventsource                eventsource
Chatting over iframe-eventsource         iframe-eventsource
Chatting over iframe-htmlfile            iframe-htmlfile
Chatting over iframe-xhr-polling         iframe-xhr-polling
Chatting over jsonp-polling              jsonp-polling

*** Keywords ***
chatting works over
    [Arguments]    ${transport}
    ${room}=    a new room
    user opens room "${room}" over "${transport}"
    the page carries the theme's header
    second pirate joins room ${room} at ${APP_URL}
    second pirate says "My friends want beer."
    user sees the said line "My friends want beer." translated "My crew want grog."
    user says "pyramid_sockjs is cool"
    user sees the said line "pyramid_sockjs is cool" translated "pyramid_sockjs be cool"
    the number of said lines is 2
    the connection uses "${transport}"
