"""The crew's navigation and member bar: one fragment, on the site's pages and the chat's.

``#crew`` holds the site's sections (Home, the site's top-level folders, Chat;
the current one marked ``aria-current="page"``) and the member bar (a visitor
gets "Log in" and "Join the crew", a member their name, "Preferences" and "Log
out"). Plone's pages get it from a viewlet (for whoever asks, marked where they
are); the chat's pages get ``@@crew-nav`` (anonymous, marked "Chat"), fetched and
kept a while by the chat's theme filter (piratechat/web/sitenav.py). Its links
are paths from the site's root, so one copy serves every host and scheme; the
chat's copy names ``@@crew-member`` in ``data-member-url``, from which the theme's
script (theme/js/site.js) puts a member's own bar in.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote, urlsplit

from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from Products.Five.browser import BrowserView

#: The chat's section, after the site's own (plone.ini mounts the chat there).
CHAT = ("chat", "Chat", "/chat/")
#: Pages that are about logging in: "Log in" there does not come back to them.
_ACCOUNT_PAGES = ("login", "logout", "register", "@@register", "login_form", "logged_out")


def site_path() -> str:
    """The site's root as a path (no scheme, no host): "" at a host's root."""
    return urlsplit(api.portal.get().absolute_url()).path.rstrip("/")


def sections(current: str | None) -> list[tuple[str, str, bool]]:
    """(title, path, is current) of Home, the site's top-level items in its
    navigation (those the asker may see), then the chat."""
    portal = api.portal.get()
    root = site_path()
    found = [("", "Home", root + "/")]
    for brain in api.content.find(context=portal, depth=1, exclude_from_nav=False,
                                  sort_on="getObjPositionInParent"):
        found.append((brain.getId, brain.Title or brain.getId, f"{root}/{brain.getId}"))
    found.append((CHAT[0], CHAT[1], root + CHAT[2]))
    return [(title, path, name == current) for name, title, path in found]


def render(current: str | None, came_from: str | None, member_url: str | None = None) -> str:
    """The ``#crew`` fragment, for the current user."""
    root = site_path()
    mark = ' aria-current="page"'
    items = "".join(f'<li><a href="{escape(path)}"{mark if here else ""}>{escape(title)}</a></li>'
                    for title, path, here in sections(current))
    back = f"?came_from={quote(came_from, safe='')}" if came_from else ""
    if api.user.is_anonymous():
        bar = (f'<a id="crew-login" href="{root}/login{back}">Log in</a> '
               f'<a id="crew-join" href="{root}/@@register{back}">Join the crew</a>')
    else:
        bar = (f'<span id="crew-member">{escape(member_name())}</span> '
               f'<a id="crew-preferences" href="{root}/@@personal-preferences">Preferences</a> '
               f'<a id="crew-logout" href="{root}/logout">Log out</a>')
    data = f' data-member-url="{escape(member_url)}"' if member_url else ""
    return (f'<div id="crew"><nav id="crew-nav" aria-label="The crew\'s site">'
            f'<ul class="crew-sections">{items}</ul></nav>'
            f'<p id="crew-bar" class="crew-bar"{data}>{bar}</p></div>')


def member_name() -> str:
    member = api.user.get_current()
    return (member.getProperty("fullname") or member.getUserName()).strip()


class CrewViewlet(ViewletBase):
    """``#crew`` on every Plone page: the section of the page marked, the member
    bar for whoever asks, "Log in" coming back to this page."""

    def render(self):
        root = api.portal.get()
        inside = self.context.getPhysicalPath()[len(root.getPhysicalPath()):]
        current = inside[0] if inside else ""
        if self._account_page():
            current = None  # logging in or joining is no section of the site
        return render(current, self.came_from())

    def _account_page(self) -> bool:
        return self.request.get("ACTUAL_URL", "").rstrip("/").rsplit("/", 1)[-1] in _ACCOUNT_PAGES

    def came_from(self) -> str | None:
        asked = self.request.form.get("came_from")
        if isinstance(asked, str) and asked:
            return asked
        if self._account_page():
            return None
        url = self.request.get("ACTUAL_URL", "")
        query = self.request.get("QUERY_STRING")
        return url + (f"?{query}" if query else "")


class CrewNav(BrowserView):
    """``@@crew-nav?current=chat``: the fragment as an anonymous visitor sees it, for
    the chat's pages (the chat's theme filter fetches it without cookies and keeps it
    a while; the member's bar is put in by the page's script from @@crew-member)."""

    def __call__(self):
        current = self.request.form.get("current", "")
        self.request.response.setHeader("Content-Type", "text/html; charset=utf-8")
        self.request.response.setHeader("Cache-Control", "public, max-age=30")
        return render(current if isinstance(current, str) else "", None,
                      member_url=site_path() + "/@@crew-member")


def members_json(response, refusal: str) -> str | None:
    """Make ``response`` JSON that no cache keeps (it is one member's); for a
    visitor, the 403 answer saying ``refusal``, else None."""
    response.setHeader("Content-Type", "application/json")
    response.setHeader("Cache-Control", "no-store")
    if api.user.is_anonymous():
        response.setStatus(403)
        return json.dumps({"error": refusal})
    return None


class CrewMember(BrowserView):
    """``@@crew-member``: a member's bar as JSON (name, preferences, log out); a
    visitor gets a 403 and keeps "Log in" and "Join the crew". Never cached."""

    def __call__(self):
        refused = members_json(self.request.response, "Not logged in.")
        if refused:
            return refused
        root = site_path()
        return json.dumps({"name": member_name(), "preferences": f"{root}/@@personal-preferences",
                           "logout": f"{root}/logout"})
