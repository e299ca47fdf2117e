"""Which PirateChat code the bench runs (the work tree, or a git revision unpacked
with `git archive`), and the settings that code reads in the bench's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .servers import PIRATECHAT_ENV, REPO


def snapshot(rev: str, dest: Path) -> Path:
    """The repository's files at rev, unpacked into dest (git archive: reads only)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def source_description(rev: str | None) -> str:
    """Which PirateChat code ran: a revision, or the work tree and how it differs from HEAD."""

    def git(*argv):
        return subprocess.run(
            ["git", "-C", str(REPO), *argv], capture_output=True, text=True
        ).stdout.strip()

    if rev:
        return f"git archive {rev} ({git('rev-parse', '--short', rev)})"
    dirty = git("status", "--short", "--", "piratechat", "production.ini", "gunicorn.conf.py")
    changed = len(dirty.splitlines())
    return f"work tree at {git('rev-parse', '--short', 'HEAD')}" + (
        f" with {changed} uncommitted file(s) under piratechat/" if changed else ""
    )


def piratechat_settings(src: Path | None, env: dict[str, str] | None = None) -> dict:
    """The chat's settings as the bench runs it (defaults + PIRATECHAT_* env), read by
    the same code the server runs; the field names tell which knobs exist (history...)."""
    code = (
        "import json, dataclasses, os; from piratechat.settings import Settings, parse; "
        "s = parse({}); print(json.dumps({f.name: repr(getattr(s, f.name)) "
        "for f in dataclasses.fields(Settings)}))"
    )
    env = dict(os.environ, **(PIRATECHAT_ENV if env is None else env))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=src or REPO,
        timeout=60,
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
