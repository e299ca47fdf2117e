"""Built-in translators."""
