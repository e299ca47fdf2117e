*** Settings ***
Documentation     The pirate story over every sockjs-client transport, each forced in turn:
...               the page must connect over exactly that transport and the parrot must answer.
Resource          keywords.resource
Test Teardown     Close All Browsers
Test Template     the pirate story works over

*** Test Cases ***                       TRANSPORT
Pirate story over websocket              websocket
Pirate story over xhr-streaming          xhr-streaming
Pirate story over xhr-polling             xhr-polling
Pirate story over eventsource            eventsource
Pirate story over iframe-eventsource     iframe-eventsource
Pirate story over iframe-htmlfile        iframe-htmlfile
Pirate story over iframe-xhr-polling     iframe-xhr-polling
Pirate story over jsonp-polling          jsonp-polling

*** Keywords ***
the pirate story works over
    [Arguments]    ${transport}
    user opens piratechatapp over "${transport}"
    user says "pyramid_sockjs is cool"
    user sees "pyramid_sockjs be cool"
    user says "Hello, friend"
    user sees "Avast, mate"
    the connection uses "${transport}"
