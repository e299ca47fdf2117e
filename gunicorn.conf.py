"""gunicorn reads this file from the working directory; the settings live in
the package (piratechat/gunicorn_config.py) so that ``gunicorn -c
python:piratechat.gunicorn_config`` applies them from anywhere."""

from piratechat.gunicorn_config import *  # noqa: F403
