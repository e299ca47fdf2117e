"""IBroker implementations: in-process (one worker) and Redis pub/sub (many)."""
