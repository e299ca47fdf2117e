"""The plain chat (development.ini, no Plone, no ``site_nav``) looks as it did: the
theme's place for the site's navigation, its menu button and its script are dropped."""

from __future__ import annotations

import requests


def test_the_plain_chat_has_no_site_navigation_nor_menu(live_server):
    page = requests.get(live_server + "/rooms/plain-deck/").text
    assert 'id="theme-header"' in page and 'id="chat"' in page
    for absent in ('id="theme-nav"', 'id="theme-menu"', "site.js", 'id="crew"'):
        assert absent not in page, absent
