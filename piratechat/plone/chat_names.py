"""A member's chat name: their full name, unless another member's reads the same.

Plone lets any member set any full name in the profile form, another
member's included. So the name ``@@chat-token`` signs is the member's full
name (their user id if they have none, or one the chat would refuse: a
control or an invisible character) only while no other member's name has
the same comparison key (chat/core/names.py: case, spacing and look-alike
letters aside); while two or more share one, each chats as
"Full Name (userid)". User ids are unique, so members chat under names no
other member has, whatever their profiles say, and none of them is the
plain name: the site cannot know whose it was first.

Which members share a key is one lookup in an index kept on the site
(annotations: key -> user ids, user id -> key), not a pass over every
member per token: the first token builds it, the events Plone sends when a
member's properties change or a member is removed keep it, and every token
request puts its own member's current key in (so a change made where no
event is sent is caught the next time that member chats).

The same index keeps each member's *reserved* keys: their full name's, their
login name's (the user id) and their disambiguated name's, whether or not
they ever chatted. ``@@chat-member-names`` (``MemberNamesView``) gives the
chat their union, signed (chat/runtime/member_list.py): the chat refuses them to
anonymous visitors on every process, after any restart. New members come in
by the event Plone sends when their properties are first set.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree, OOTreeSet
from plone import api
from plone.api.exc import CannotGetPortalError
from zope.annotation.interfaces import IAnnotations

from ..chat.core.names import name_key
from ..chat.core.text import BadText, check_name
from . import config

_BY_KEY = "piratechat.chat-names.by-key"  # name key -> OOTreeSet of user ids
_BY_MEMBER = "piratechat.chat-names.by-member"  # user id -> name key
_RESERVED = "piratechat.chat-names.reserved"  # user id -> keys nobody else may chat under


def chat_name(member) -> str:
    """The name ``member`` (a MemberData) chats under; keeps the index up to date.

    A name that ends as a disambiguated one does, in ")", is always
    disambiguated: so "Anne Bonny (anne)" as a full name is no one's plain
    name. Both forms fit the chat's ``max_name``: a name it cut would lose
    what tells it apart."""
    userid, base = member.getId(), own_name(member)
    key = name_key(base)
    by_key, _ = _index(build=True)
    _put(userid, base, member.getUserName())
    if list(by_key.get(key, ())) == [userid] and not key.endswith(")"):
        return base
    return disambiguated(base, userid)


def disambiguated(base: str, userid: str) -> str:
    """"Full Name (userid)", the full name cut so that it fits ``max_name``."""
    suffix = f" ({userid})"
    return base[:max(0, config.MAX_NAME - len(suffix))].rstrip() + suffix


def reserved_keys() -> list[str]:
    """Every key a member's name has (their full name's, their user id's and
    login name's, their disambiguated name's), sorted: what no anonymous visitor may chat under."""
    _index(build=True)
    reserved = IAnnotations(api.portal.get())[_RESERVED]
    return sorted({key for keys in reserved.values() for key in keys})


def own_name(member) -> str:
    """The member's full name as the chat shows it (cut to ``max_name``), or
    their user id where that is empty or not a chat name."""
    fullname = (member.getProperty("fullname") or "").strip()[:config.MAX_NAME].rstrip()
    try:
        return check_name(fullname) if fullname else member.getId()
    except BadText:
        return member.getId()


def properties_changed(event) -> None:
    """A member's properties changed (their full name, say): index their new key."""
    if _index(build=False) is not None:
        member = event.principal
        _put(member.getId(), own_name(member), member.getUserName())


def member_created(event) -> None:
    """A member was added: their login name is theirs at once (their full name
    comes with the properties event that follows, on joining)."""
    if _index(build=False) is not None:
        member = api.user.get(userid=event.principal.getId())
        if member is not None:
            _put(member.getId(), own_name(member), member.getUserName())


def member_removed(event) -> None:
    """A member was removed: their name is free for the others."""
    if _index(build=False) is not None:
        _put(event.principal, None)


def _index(build: bool):
    """(by_key, by_member), made from every member the first time (``build``);
    or None (not made yet, or no site: a user of Zope's root changed)."""
    try:
        annotations = IAnnotations(api.portal.get())
    except CannotGetPortalError:
        return None
    if _RESERVED not in annotations:  # (an index of before reserved keys is made anew)
        if not build:
            return None
        annotations[_BY_KEY], annotations[_BY_MEMBER] = OOBTree(), OOBTree()
        annotations[_RESERVED] = OOBTree()
        for member in api.user.get_users():
            _put(member.getId(), own_name(member), member.getUserName())
    return annotations[_BY_KEY], annotations[_BY_MEMBER]


def _put(userid: str, base: str | None, login: str = "") -> None:
    """``userid``'s name is ``base`` now, their login name ``login`` (None: no
    longer a member). Writes only a change."""
    by_key, by_member = _index(build=False)
    reserved = IAnnotations(api.portal.get())[_RESERVED]
    key = None if base is None else name_key(base)
    keys = () if base is None else tuple(sorted(
        {key, name_key(userid), name_key(login or userid),
         name_key(disambiguated(base, userid))}))
    if reserved.get(userid, ()) != keys:
        if keys:
            reserved[userid] = keys
        else:
            reserved.pop(userid, None)
    old = by_member.get(userid)
    if old == key:
        return
    if old is not None:
        holders = by_key[old]
        holders.remove(userid)
        if not holders:
            del by_key[old]
    if key is None:
        del by_member[userid]
        return
    by_member[userid] = key
    by_key.setdefault(key, OOTreeSet()).insert(userid)
