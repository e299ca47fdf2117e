"""The ``piratechat`` subcommands, one module each.

Each module has ``add_parser(subparsers)``, which adds its parser and sets
``run`` (a function of the parsed arguments returning the exit status).
"""
