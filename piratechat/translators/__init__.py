"""Translators: the parrot's voices, and how the chat finds and trusts them.

pirate.py and bard.py translate locally; remote.py asks an arrpi-shaped web
service. registry.py offers them as named ITranslator utilities (plus any
other distribution's, found by discovery.py) and gives a room its
translator by adapter; guard.py is what every translation passes through.
"""
