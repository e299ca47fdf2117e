"""Joining the crew: Plone's registration form, ending logged in where one came from.

Plone's own form (plone.app.users) registers the new member with the password
they chose (the profile turns self-registration and password choice on) and
then shows "you are registered, now log in". A visitor who joins from a page
should be back on that page, already a member: so this form logs them in with
the password they just typed and goes to ``came_from`` (the page the "Join the
crew" link was on), or to the site's front page.
"""

from __future__ import annotations

from AccessControl.SecurityManagement import (
    getSecurityManager,
    newSecurityManager,
    setSecurityManager,
)
from plone.app.users.browser.register import RegistrationForm
from Products.CMFCore.utils import getToolByName
from zope.interface import Interface


class IPirateChatLayer(Interface):
    """Requests to a site with piratechat.plone installed (profiles/default/browserlayer.xml)."""


class JoinForm(RegistrationForm):
    """``@@register`` on our site: Plone's form, then logged in and back."""

    def handle_join_success(self, data):
        result = super().handle_join_success(data)
        password = data.get("password")
        if not self._finishedRegister or not password:
            return result
        login = data.get("login_name") or data.get("username")
        acl_users = getToolByName(self.context, "acl_users")
        # PAS sets up a session only for the user of the request (plone.session): so
        # as the new member, for the length of this call.
        before = getSecurityManager()
        try:
            newSecurityManager(self.request, acl_users.getUser(login))
            acl_users.updateCredentials(self.request, self.request.response, login, password)
        finally:
            setSecurityManager(before)
        portal_url = getToolByName(self.context, "portal_url")
        came_from = self.request.form.get("came_from")
        if not came_from or not portal_url.isURLInPortal(came_from):
            # (Plone's handler goes to came_from when it is set and in the portal.)
            self.request.form["came_from"] = portal_url()
        return result
