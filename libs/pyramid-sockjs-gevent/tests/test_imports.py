"""The library stands alone and its layers point one way: no module imports
an application (piratechat, whose package this library came out of), and the
core imports no I/O and nothing of the runtime or the Pyramid glue."""

from __future__ import annotations

import ast
from pathlib import Path

import pyramid_sockjs_gevent
import pytest

PACKAGE = Path(pyramid_sockjs_gevent.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = sorted((PACKAGE / "core").glob("*.py"))
IO = {"gevent", "greenlet", "socket", "ssl", "selectors", "asyncio", "pyramid", "webob",
      "pyramid_sockjs_gevent.runtime", "pyramid_sockjs_gevent.pyramid"}


def dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """What ``path`` imports, absolute (relative imports resolved), each name's
    module and the name itself (which may be a submodule)."""
    name = dotted(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            target = ".".join(part for part in (base, node.module or "") if part)
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return found


def reaches(found: set[str], banned: set[str]) -> set[str]:
    return {name for name in found for b in banned if name == b or name.startswith(b + ".")}


@pytest.mark.parametrize("path", MODULES, ids=dotted)
def test_no_module_imports_an_application(path):
    assert not reaches(imports(path), {"piratechat"}), f"{dotted(path)} imports piratechat"


def test_the_walk_sees_every_layer():
    assert {dotted(p).split(".")[1] for p in MODULES if "." in dotted(p)} >= {
        "core", "runtime", "pyramid", "interfaces", "testserver"}
    assert len(CORE) >= 6


@pytest.mark.parametrize("path", CORE, ids=dotted)
def test_the_core_imports_no_io(path):
    """Followed through the library's own modules a core module imports."""
    seen, todo, found = set(), [dotted(path)], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        module = PACKAGE.parent / (name.replace(".", "/") + ".py")
        if module.exists():
            found |= imports(module)
            todo += [n for n in imports(module) if n.startswith("pyramid_sockjs_gevent.core")]
    assert not reaches(found, IO), f"{dotted(path)} reaches {sorted(reaches(found, IO))}"
