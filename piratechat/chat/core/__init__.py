"""The chat's rules, free of I/O: what a line, a name, a member, a limit's bucket
is, with plain values in and out (tests/unit/test_chat_rules.py guards it)."""
