"""A site made by an older version of the add-on's profile (version 1: no
self-registration) is upgraded by the site script, once: the next run changes nothing."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.plone.conftest import digest, make_site
from tests.support.server import ROOT

#: Run in a process of its own on the instance (argv[1]): argv[2] "old" makes the site
#: as version 1 left it; "read" prints the settings and the profile's version.
SCRIPT = """
import sys
from pathlib import Path
import transaction, Zope2
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SpecialUsers import system
from plone.registry.interfaces import IRegistry
from Testing.makerequest import makerequest
from zope.component import getUtility
from zope.component.hooks import setSite
from zope.globalrequest import setRequest
from piratechat.plone.wsgi import SITE_ID, start_zope

start_zope(Path(sys.argv[1]))
app = makerequest(Zope2.app())
setRequest(app.REQUEST)
newSecurityManager(None, system)
site = app[SITE_ID]
setSite(site)
registry = getUtility(IRegistry)
keys = ("plone.enable_self_reg", "plone.enable_user_pwd_choice")
if sys.argv[2] == "old":
    for key in keys:
        registry[key] = False
    site.portal_setup.setLastVersionForProfile("piratechat.plone:default", "1")
    transaction.commit()
else:
    print(*(registry[key] for key in keys),
          ".".join(site.portal_setup.getLastVersionForProfile("piratechat.plone:default")))
app._p_jar.close()
"""


def run(instance: Path, what: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(instance), what], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_old_site_is_upgraded_once():
    instance = Path(tempfile.mkdtemp(prefix="piratechat-upgrade-"))
    make_site(instance)
    assert run(instance, "read") == "True True 3"
    run(instance, "old")
    assert run(instance, "read") == "False False 1"
    make_site(instance)  # the script (at a server's start too) runs the upgrade
    assert run(instance, "read") == "True True 3"
    upgraded = digest(instance / "Data.fs")
    make_site(instance)
    assert digest(instance / "Data.fs") == upgraded
