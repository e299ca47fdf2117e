"""The chat's runtime: the rules of core/ wired to gevent, the SockJS library,
the storage, the broker and presence."""
