"""Who moderates the chat's rooms, as the site sees it (issue 22).

The site's Site Administrators, Managers and Reviewers moderate every room;
a forum's Editors (the Editor role on the forum: its sharing tab) moderate
the rooms of its topics, which the chat keeps in the forum's group of rooms
(``forum_group``, told with each topic: plone/topic_rooms.py). The member's
chat token carries this as its ``moderates`` claim (``"*"`` or group names,
moderation/core.py), signed with the token itself; the chat decides each
action on it again.
"""

from __future__ import annotations

import hashlib

from plone import api

from ..rooms.slugs import MAX_LENGTH, slug_for, slugify

#: Site-wide roles that moderate every room.
EVERYWHERE = ("Manager", "Site Administrator", "Reviewer")
#: Groups a token names at most (the chat reads 100).
MAX_GROUPS = 100


def forum_group(forum_id: str) -> str:
    """The chat's group of rooms for a forum: a slug of its id (cut with a digest
    when long, as topics' rooms are)."""
    name = f"forum {forum_id}"
    whole = slugify(name)
    if len(whole) <= MAX_LENGTH:
        return slug_for(name)
    digest = hashlib.sha256(whole.encode()).hexdigest()[:8]
    return slug_for(f"{whole[:MAX_LENGTH - len(digest) - 1]} {digest}")


def moderates(user) -> list[str]:
    """What ``user`` moderates in the chat: ``["*"]``, or the groups of the forums
    they edit (one catalog search for forums, then a look at each one's roles)."""
    portal = api.portal.get()
    if set(EVERYWHERE) & set(api.user.get_roles(user=user, obj=portal)):
        return ["*"]
    groups = []
    for brain in api.content.find(context=portal, portal_type="Forum"):
        forum = brain.getObject()
        if "Editor" in api.user.get_roles(user=user, obj=forum):
            groups.append(forum_group(forum.getId()))
            if len(groups) >= MAX_GROUPS:
                break
    return groups
