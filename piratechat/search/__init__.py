"""Search over what was said: words (words.py), the index in ZODB (index.py), and
the ISearch utility the pages ask (service.py)."""
