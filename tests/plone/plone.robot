*** Settings ***
Documentation     The crew's site (plone.ini): Plone at /, the chat at /chat, one process,
...               one theme. Driven in headless Chromium; each case makes its own topic.
Library           SeleniumLibrary    timeout=20s    run_on_failure=Capture Page Screenshot
Library           ../acceptance/Accessibility.py
Library           tests.plone.site_server
Test Teardown     Close All Browsers

*** Variables ***
${SITE_URL}       http://127.0.0.1:8080
${MEMBER}         anne
${PASSWORD}       anne-secret-1
${FULL_NAME}      Anne Bonny
${SCREENSHOTS}    ${OUTPUT DIR}/screenshots
${CHROMIUM}       /usr/bin/chromium
${CHROMEDRIVER}   /usr/bin/chromedriver
${OPTIONS}        binary_location="${CHROMIUM}";add_argument("--headless=new");add_argument("--no-sandbox");add_argument("--disable-gpu");add_argument("--disable-dev-shm-usage");add_argument("--disable-background-networking");add_argument("--disable-component-update");add_argument("--disable-sync");add_argument("--no-first-run");add_argument("--window-size=1280,900")

*** Test Cases ***
A visitor reads the blog; a member posts a topic and a reply, then talks it over live
    ${id}=    Evaluate    uuid.uuid4().hex[:8]    modules=uuid
    a visitor reads the blog
    the member logs in
    ${title}=    the member posts the topic "Where is the treasure ${id}"
    the member replies "Arr, dig under the palm ${id}"
    ${room}=    the member opens the topic's chat room
    a second browser opens    ${room}
    Switch Browser    member
    Input Text    line    Hello, friend ${id}
    Click Button    send
    Switch Browser    second
    the line of ${FULL_NAME} "Hello, friend ${id}" arrives, and the parrot says "Avast, mate"
    the theme's header is there
    a visitor cannot chat as ${FULL_NAME}

Plone's pages show the lobby's latest lines, live
    [Documentation]    The box listens to the lobby over SockJS (it does not poll): a line
    ...                said after the page loaded, by a chatter of this case's own, shows.
    ${id}=    Evaluate    uuid.uuid4().hex[:8]    modules=uuid
    Open Browser    ${SITE_URL}/blog    chrome    alias=reader    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#lobby-lines[data-listening]
    Element Should Not Contain    css:#lobby-lines    ${id}
    a second browser opens    ${SITE_URL}/chat/
    Input Text    name    Lookout ${id}
    Click Element    line
    Wait Until Element Contains    status    as Lookout ${id}
    Input Text    line    Hello, friend ${id}
    Click Button    send
    Switch Browser    reader
    Wait Until Element Contains    css:#lobby-lines    ${id}
    Element Should Contain    css:#lobby-lines    Lookout ${id}: Avast, mate
    Element Should Not Be Visible    css:#lobby-lines .lobby-quiet
    the theme's header is there
    Keep screenshots of    blog-lobby-line

A visitor joins the crew from the front page, and finds the site's navigation in the chat
    [Documentation]    "Join the crew" from the front page: the visitor picks a password, is
    ...                back on the front page logged in, and has the site's sections and their
    ...                member bar on a chat page at 1280 and 400 px (there behind the menu).
    ${id}=    Evaluate    uuid.uuid4().hex[:8]    modules=uuid
    ${login}=    Set Variable    sailor${id}
    ${name}=    Set Variable    Sailor ${id}
    Open Browser    ${SITE_URL}/    chrome    alias=newcomer    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the section "Home" is marked
    Keep screenshots of    front-visitor
    Go To    ${SITE_URL}/login
    Keep screenshots of    login
    the visitor joins the crew from the front page as "${login}" named "${name}"
    ${here}=    Get Location
    Should Be Equal    ${here}    ${SITE_URL}/
    Page Should Contain Element    css:#crew-logout
    Page Should Contain Element    css:#crew-preferences
    Page Should Not Contain Element    css:#crew-join
    Keep screenshots of    front-member
    Click Link    css:#crew-nav a[href="/chat/"]
    Wait Until Page Contains Element    css:#chat[data-member="${name}"]
    Wait Until Element Contains    status    as ${name}
    Element Should Not Be Visible    name
    Wait Until Element Contains    css:#crew-member    ${name}
    the section "Chat" is marked
    Page Should Contain Element    css:#presence-list
    Page Should Contain Element    css:#new-room
    Keep screenshots of    chat-member
    Set Window Size    400    900
    Reload Page
    Wait Until Page Contains Element    css:#chat[data-member="${name}"]
    Element Should Not Be Visible    css:#crew-nav
    Element Attribute Value Should Be    theme-menu    aria-expanded    false
    Click Button    theme-menu
    Element Attribute Value Should Be    theme-menu    aria-expanded    true
    Wait Until Element Is Visible    css:#crew-nav a[href="/blog"]
    Element Should Be Visible    css:#crew-member
    Click Link    css:#crew-nav a[href="/blog"]
    Wait Until Page Contains Element    css:#theme-content a[href$="/the-parrot-learns-shakespeare"]
    the section "Blog" is marked
    Go To    ${SITE_URL}/chat/
    Set Window Size    1280    900
    Wait Until Page Contains Element    css:#crew-logout
    Click Link    css:#crew-logout
    Wait Until Page Contains Element    css:#crew-login
    Go To    ${SITE_URL}/chat/
    Wait Until Page Contains Element    css:#crew-bar[data-checked]
    Page Should Not Contain Element    css:#crew-member
    Keep screenshots of    chat-visitor

A new member talks over their topic in its room, under a name nobody takes even after a restart
    [Documentation]    Joined from the front page's link, the member posts a topic, opens its
    ...                room from it (the topic's title and a link back there) and talks under
    ...                their name, never asked for one; the forum's list shows the room with
    ...                someone talking and its last line. After the server restarts, an
    ...                anonymous browser asking for that name is refused (name_taken).
    ${id}=    Evaluate    uuid.uuid4().hex[:8]    modules=uuid
    ${login}=    Set Variable    mate${id}
    ${name}=    Set Variable    Mate ${id}
    Open Browser    ${SITE_URL}/    chrome    alias=member    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the visitor joins the crew from the front page as "${login}" named "${name}"
    ${title}=    the member posts the topic "Who saw the kraken ${id}"
    ${topic}=    Get Location
    ${topic}=    Evaluate    "${topic}".removesuffix("/view")
    ${room}=    the member opens the topic's chat room    ${name}
    Element Text Should Be    room-title    ${title}
    Element Attribute Value Should Be    topic-link    href    ${topic}
    Input Text    line    Hello, friend ${id}
    Click Button    send
    the line of ${name} "Hello, friend ${id}" arrives, and the parrot says "Avast, mate"
    Keep screenshots of    topic-room
    ${slug}=    Evaluate    "${room}".rstrip("/").rsplit("/", 1)[-1]
    Open Browser    ${SITE_URL}/forums/general    chrome    alias=reader    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Element Should Contain    css:li.forum-topic[data-room="${slug}"] .topic-live    1 talking · last line
    Keep screenshots of    forum-list
    Restart the site
    a second browser opens    ${room}
    a visitor cannot chat as ${name}
    Keep screenshots of    name-taken

axe-core finds nothing serious on the site's pages, at 1280 and 400 px
    [Documentation]    The front page, the blog, a forum, logging in, joining, and a chat
    ...                room, as a visitor sees them (axe-core, as the chat's own suite runs it).
    [Template]    axe finds nothing serious on
    /
    /blog
    /forums/general
    /login
    /@@register
    /chat/rooms/axe-site/

*** Keywords ***
axe finds nothing serious on
    [Arguments]    ${path}
    Open Browser    ${SITE_URL}${path}    chrome    alias=axe    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#theme-header
    the page has no serious accessibility violations
    Set Window Size    400    900
    the page has no serious accessibility violations
    Click Button    theme-menu
    the page has no serious accessibility violations
    Close Browser

the section "${title}" is marked
    Page Should Contain Element    xpath://*[@id="crew-nav"]//a[@aria-current="page"][normalize-space(.)="${title}"]    limit=1

Keep screenshots of
    [Arguments]    ${page}
    [Documentation]    The page at 1280 and at 400 px wide (there with its menu opened too),
    ...                into ${SCREENSHOTS}; the window is 1280 px wide again after.
    Set Window Size    1280    900
    Capture Page Screenshot    ${SCREENSHOTS}/${page}-1280.png
    Set Window Size    400    900
    Capture Page Screenshot    ${SCREENSHOTS}/${page}-400.png
    ${menu}=    Run Keyword And Return Status    Element Should Be Visible    theme-menu
    IF    ${menu}
        Click Button    theme-menu
        Capture Page Screenshot    ${SCREENSHOTS}/${page}-400-menu.png
        Click Button    theme-menu
    END
    Set Window Size    1280    900

the theme's header is there
    Page Should Contain Element    css:#theme-header .brand-name

a visitor reads the blog
    Open Browser    ${SITE_URL}/    chrome    alias=visitor    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    the theme's header is there
    Click Link    css:#theme-content a[href$="/blog"]
    Wait Until Page Contains Element    css:#theme-content a[href$="/the-parrot-learns-shakespeare"]
    the theme's header is there
    Keep screenshots of    blog-visitor
    Click Link    css:#theme-content a[href$="/the-parrot-learns-shakespeare"]
    Wait Until Page Contains    Pick the bard in any room
    the theme's header is there
    Go To    ${SITE_URL}/forums
    Keep screenshots of    forums-visitor

the member logs in
    Open Browser    ${SITE_URL}/login    chrome    alias=member    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Input Text    __ac_name    ${MEMBER}
    Input Password    __ac_password    ${PASSWORD}
    Click Button    name:buttons.login
    Wait Until Page Contains Element    css:#crew-logout
    Element Text Should Be    css:#crew-member    ${FULL_NAME}

the member posts the topic "${title}"
    Go To    ${SITE_URL}/forums/general
    the theme's header is there
    Page Should Contain Element    css:#site-tools a[href$="/++add++Topic"]
    Keep screenshots of    forum-member
    Go To    ${SITE_URL}/forums/general/++add++Topic
    Input Text    form.widgets.IBasic.title    ${title}
    Input Text    form.widgets.body    Who has the map?
    # (Filled in first: Plone's pat-validation keeps Save disabled through the next
    # click when the empty title lost focus before it was typed, e.g. to the menu.)
    Keep screenshots of    topic-form
    Click Button    name:form.buttons.save
    Wait Until Page Contains Element    css:#topic-room
    Page Should Contain    ${title}
    the theme's header is there
    Keep screenshots of    topic-member
    RETURN    ${title}

the member replies "${reply}"
    Input Text    form.widgets.text    ${reply}
    Click Button    name:form.buttons.comment
    Wait Until Page Contains    ${reply}

the member opens the topic's chat room
    [Arguments]    ${name}=${FULL_NAME}
    Click Link    css:#topic-room
    Wait Until Page Contains Element    css:#chat[data-transport][data-member="${name}"]
    Wait Until Element Contains    status    as ${name}
    Element Attribute Value Should Be    name    readonly    true
    the theme's header is there
    Keep screenshots of    room-member
    ${room}=    Get Location
    RETURN    ${room}

the visitor joins the crew from the front page as "${login}" named "${name}"
    [Documentation]    From the front page's "Join the crew": Plone's form, a password of
    ...                their own, then back and logged in.
    Go To    ${SITE_URL}/
    Click Link    css:#crew-join
    Wait Until Page Contains Element    form.widgets.password
    Keep screenshots of    register
    Input Text    form.widgets.fullname    ${name}
    Input Text    form.widgets.email    ${login}@example.org
    Input Text    form.widgets.username    ${login}
    Input Password    form.widgets.password    secret-${login}
    Input Password    form.widgets.password_ctl    secret-${login}
    Click Button    name:form.buttons.register
    Wait Until Element Is Visible    css:#crew-member
    Element Text Should Be    css:#crew-member    ${name}

a second browser opens
    [Arguments]    ${url}
    Open Browser    ${url}    chrome    alias=second    options=${OPTIONS}    executable_path=${CHROMEDRIVER}
    Wait Until Page Contains Element    css:#chat[data-transport]
    Wait Until Element Contains    status    Online

a visitor cannot chat as ${name}
    [Documentation]    The chat saw the member's token, so the name is theirs alone.
    Input Text    name    ${name}
    Click Element    line
    Wait Until Page Contains    is a member's name

the line of ${author} "${text}" arrives, and the parrot says "${translation}"
    Wait Until Page Contains Element    xpath://ol[@id="messages"]/li[contains(@class,"said")][span[@class="author"][.="${author}"]][span[@class="text"][.="${text}"]]
    Element Should Contain    xpath://ol[@id="messages"]/li[contains(@class,"said")][span[@class="text"][.="${text}"]]//span[@class="translation"]    ${translation}
