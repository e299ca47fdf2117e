"""The library's fixtures (sockjs_servers.py: live test servers and the app
in-process), and its tests' folder on the path so they import their helpers
(sockjs_client, sockjs_loopback, sockjs_servers) by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sockjs_servers import (  # noqa: E402,F401 (fixtures and hooks, by name)
    bounded,
    fast,
    inproc,
    pytest_collection_modifyitems,
    pytest_configure,
    server,
)
