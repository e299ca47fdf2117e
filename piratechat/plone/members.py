"""``python -m piratechat.plone.members VAR USER:PASSWORD:FULL NAME ...``: members,
added to the site in the instance folder VAR (made first if new), while no
server runs on it (FileStorage is locked by the one that does). An existing
member is left as is. For tests and for trying the site out."""

from __future__ import annotations

import sys
from pathlib import Path


def add_members(instance: Path, members: list[tuple[str, str, str]]) -> list[str]:
    """Add each (user, password, full name) missing; the user ids added."""
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
    members = [tuple(arg.split(":", 2)) for arg in argv[1:]]
    if any(len(m) != 3 for m in members):
        print("each member is USER:PASSWORD:FULL NAME", file=sys.stderr)
        return 2
    added = add_members(Path(argv[0]), members)
    print("added:", " ".join(added) or "nobody")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
