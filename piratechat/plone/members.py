"""``python -m piratechat.plone.members VAR USER:PASSWORD:FULL NAME ... [--role
USER:ROLE[:PATH]] ...``: members, added to the site in the instance folder VAR
(made first if new), while no server runs on it (FileStorage is locked by the
one that does), and roles granted: site-wide, or on the object at PATH (e.g. a
forum's Editor, who moderates its topics' rooms: plone/moderators.py). An
existing member, a role held, are left as they are. For tests and for trying
the site out."""

from __future__ import annotations

import sys
from pathlib import Path


def add_members(instance: Path, members: list[tuple[str, str, str]],
                roles: list[tuple[str, ...]] = ()) -> list[str]:
    """Add each (user, password, full name) missing, grant each (user, role[, path])
    not held yet; the user ids added."""
    import transaction
    import Zope2
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.SpecialUsers import system
    from plone import api
    from Testing.makerequest import makerequest
    from zope.component.hooks import setSite
    from zope.globalrequest import setRequest

    from .site import ensure_site
    from .wsgi import SITE_ID, start_zope

    start_zope(Path(instance).resolve())
    ensure_site()
    app = makerequest(Zope2.app())
    setRequest(app.REQUEST)
    newSecurityManager(None, system)
    added = []
    try:
        setSite(app[SITE_ID])
        for user, password, fullname in members:
            if api.user.get(username=user) is None:
                api.user.create(email=f"{user}@example.org", username=user, password=password,
                                properties={"fullname": fullname})
                added.append(user)
        for user, role, *path in roles:
            where = app[SITE_ID].unrestrictedTraverse(path[0]) if path else None
            if role not in api.user.get_roles(username=user, obj=where, inherit=False):
                api.user.grant_roles(username=user, roles=[role], obj=where)
        transaction.commit()
    finally:
        transaction.abort()
        setSite(None)
        app._p_jar.close()
    return added


def main(argv: list[str]) -> int:
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    args, roles = list(argv[1:]), []
    while "--role" in args:
        at = args.index("--role")
        roles.append(tuple(args[at + 1].split(":", 2)) if at + 1 < len(args) else ())
        del args[at:at + 2]
    members = [tuple(arg.split(":", 2)) for arg in args]
    if any(len(m) != 3 for m in members) or any(len(r) < 2 for r in roles):
        print("each member is USER:PASSWORD:FULL NAME, each role USER:ROLE[:PATH]",
              file=sys.stderr)
        return 2
    added = add_members(Path(argv[0]), members, roles)
    print("added:", " ".join(added) or "nobody")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
