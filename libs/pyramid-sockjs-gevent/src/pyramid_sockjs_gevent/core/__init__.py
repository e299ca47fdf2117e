"""The I/O-free protocol core: events and the time in, frames out."""
