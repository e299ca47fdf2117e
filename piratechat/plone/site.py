"""The site, made on first start with no clicking, and left alone after.

``ensure_site`` runs when the WSGI app is built (piratechat.plone.wsgi). Each
step first looks whether its result is there and does nothing if so, so a
second start changes nothing (tested: the database's last transaction stays
the same). What it makes: the Plone site (Classic UI) with piratechat.plone's
profile (which activates plone.app.discussion and the forums' workflow), a
blog (a folder of news items, newest first, with an RSS feed), the forums
(a Forum "General"), and a front page that leads to the blog, the forums
and the chat. A site made by an older version of the profile is upgraded
(its upgrade steps run once; the profile's version then matches).
"""

from __future__ import annotations

import logging

import transaction
from DateTime import DateTime

from .wsgi import SITE_ID

log = logging.getLogger(__name__)

PROFILES = (
    "plone.app.contenttypes:default",
    "plonetheme.barceloneta:default",
    "plone.app.discussion:default",
    "piratechat.plone:default",
)

#: The blog's first news items (id, title, description), oldest first.
NEWS = (
    ("welcome-aboard", "Welcome aboard",
     "The crew has a home: a blog, forums and the chat."),
    ("the-parrot-learns-shakespeare", "The parrot learns Shakespeare",
     "Pick the bard in any room and the parrot speaks Early Modern English."),
)

FRONT_TEXT = """<p>Ahoy! Read the crew's <a href="{url}/blog">blog</a>, talk things over in the
<a href="{url}/forums">forums</a>, or join the <a href="{url}/chat/">chat</a> and talk to the
parrot.</p>"""


def ensure_site() -> bool:
    """Create whatever of the site is missing; True if anything was made."""
    import Zope2
    from zope.component.hooks import setSite

    app = Zope2.app()
    try:
        made = False
        if SITE_ID not in app.objectIds():
            made = _make_site(app) or made
        site = app[SITE_ID]
        setSite(site)
        made = _make_content(site) or made
        if made:
            transaction.commit()
            log.info("the Plone site was set up")
        else:
            transaction.abort()
        return made
    finally:
        transaction.abort()  # nothing, after a commit; all of it, after an error
        setSite(None)
        app._p_jar.close()


def _make_site(app) -> bool:
    from Products.CMFPlone.factory import addPloneSite
    from Testing.makerequest import makerequest
    from zope.globalrequest import setRequest

    app = makerequest(app)
    setRequest(app.REQUEST)
    _as_system(app)
    addPloneSite(app, SITE_ID, title="PirateChat", setup_content=False,
                 extension_ids=PROFILES, default_language="en")
    return True


def _as_system(app) -> None:
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.SpecialUsers import system

    newSecurityManager(None, system)


def _make_content(site) -> bool:
    from plone import api
    from Testing.makerequest import makerequest
    from zope.globalrequest import setRequest

    setRequest(makerequest(site.aq_parent).REQUEST)
    _as_system(site)
    made = _upgrade(site)
    if "blog" not in site:
        blog = api.content.create(container=site, type="Folder", id="blog", title="Blog",
                                  description="News from the crew, newest first.")
        _publish(blog)
        for day, (name, title, description) in enumerate(NEWS, start=1):
            item = api.content.create(container=blog, type="News Item", id=name, title=title,
                                      description=description)
            _publish(item)
            item.setEffectiveDate(DateTime(f"2026/11/{day:02d} 12:00 UTC"))
            item.reindexObject()
        _newest_first(blog)
        made = True
    if "forums" not in site:
        forums = api.content.create(container=site, type="Folder", id="forums", title="Forums",
                                    description="Talk things over; every topic has its own "
                                    "chat room.")
        _publish(forums)
        general = api.content.create(container=forums, type="Forum", id="general",
                                     title="General", description="Anything at all.")
        _publish(general)
        made = True
    if site.getProperty("piratechat_front") is None:
        from plone.app.textfield.value import RichTextValue

        site.text = RichTextValue(FRONT_TEXT.format(url=""), "text/html", "text/html")
        site.title = "PirateChat"
        site.description = "The crew's blog, forums and chat."
        site.manage_addProperty("piratechat_front", True, "boolean")
        made = True
    return made


def _upgrade(site) -> bool:
    """Run the add-on profile's upgrade steps a site made by an older version lacks
    (configure.zcml); True if there were any."""
    setup = site.portal_setup
    profile = PROFILES[-1]
    if not setup.listUpgrades(profile):
        return False
    setup.upgradeProfile(profile)
    log.info("upgraded %s to version %s", profile, setup.getVersionForProfile(profile))
    return True


def _newest_first(blog) -> None:
    """The blog's page: a collection of its news items, newest first (by
    publication), made the folder's default page, with its RSS feed on
    (``blog/latest/RSS``)."""
    from plone import api
    from Products.CMFPlone.interfaces.syndication import IFeedSettings

    latest = api.content.create(
        container=blog, type="Collection", id="latest", title="Blog",
        description="News from the crew, newest first.",
        query=[{"i": "portal_type", "o": "plone.app.querystring.operation.selection.any",
                "v": ["News Item"]},
               {"i": "path", "o": "plone.app.querystring.operation.string.relativePath",
                "v": ".."}],
        sort_on="effective", sort_reversed=True, exclude_from_nav=True)
    latest.setLayout("summary_view")
    IFeedSettings(latest).enabled = True
    blog.setDefaultPage("latest")
    _publish(latest)


def _publish(obj) -> None:
    from plone import api

    if api.content.get_state(obj, default=None) not in (None, "published", "open"):
        api.content.transition(obj, to_state="published")
