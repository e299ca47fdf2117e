"""Every seam of PirateChat in one place; always safe to import.

Each interface's docstring is its contract: enough to write a second
implementation from.
"""

from zope.interface import Attribute, Interface


class ITranslator(Interface):
    """Turns a line of text into the parrot's words.

    Implementations are registered as named utilities in Pyramid's registry
    (the name is ``name``). They must be deterministic for a given text unless
    documented otherwise, and return plain text, never markup.
    """

    name = Attribute("Short identifier, e.g. 'pirate'.")
    title = Attribute("Human readable title.")

    def translate(text):
        """Return the translation of text (str -> str). Must be plain text, never markup."""


class IHistory(Interface):
    """Every line said, per room, in order.

    ``append`` gives the line the room's next sequence number (1, 2, 3, ...,
    gap-free) and returns only once the line is durable: a line is shown to
    the room after it is stored, so what everyone saw is what is kept. It may
    block the calling greenlet, never the whole hub.
    """

    def append(room, line):
        """Store ``line`` (a dict: author, text, translation, translator, at)
        in ``room``; return the stored line with its ``seq`` and ``room``."""

    def recent(room, limit):
        """The last ``limit`` lines of ``room``, oldest first."""

    def after(room, seq, limit):
        """Up to ``limit`` lines of ``room`` with a sequence number above
        ``seq``, oldest first."""


class IBroker(Interface):
    """Fans a room's lines out to every process that has members in it.

    Delivery is at most once and in publish order per room and publisher;
    a subscriber that misses lines (a gap in ``seq``) recovers them from
    IHistory.
    """

    def publish(room, payload):
        """Send ``payload`` (the line's JSON text) to the room's subscribers."""

    def subscribe(callback):
        """Call ``callback(room, payload)`` for every published line."""
