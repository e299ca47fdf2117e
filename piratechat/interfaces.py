"""Every seam of PirateChat in one place; always safe to import.

Each interface's docstring is its contract: enough to write a second
implementation from.
"""

from zope.interface import Attribute, Interface


class ITranslator(Interface):
    """Turns a line of text into the parrot's words.

    Implementations are registered as named utilities in Pyramid's registry
    (the name is ``name``): ``config.add_translator(translator)``, or an entry
    point in the ``piratechat.translators`` group naming a factory called with
    the app's settings (see piratechat/translators/discovery.py). They must be
    deterministic for a given text unless documented otherwise, and return
    plain text, never markup. The chat calls them through a guard
    (piratechat/translators/guard.py) that cuts oversized answers, drops new
    markup, and falls back to the local pirate when one raises.
    """

    name = Attribute("Short identifier, e.g. 'pirate'.")
    title = Attribute("Human readable title.")

    def translate(text):
        """Return the translation of text (str -> str). Must be plain text, never markup.

        Raise TranslatorUnavailable when it cannot answer now (a service down,
        slow, busy); it must not block the gevent hub while it tries."""


class TranslatorUnavailable(Exception):
    """A translator cannot answer now; the line is translated by the fallback."""


class IRoom(Interface):
    """A chat room, as far as translation cares (the rooms package has the rest).

    An adapter from IRoom to ITranslator gives a room its translator:
    ``registry.getAdapter(room, ITranslator)``.
    """

    name = Attribute("The room's name, as clients join it (a slug: rooms/slugs.py).")
    translator = Attribute("Name of the translator chosen for the room, or None for the default.")


class IHistory(Interface):
    """Every line said, per room, in order.

    ``append`` gives the line the room's next sequence number (1, 2, 3, ...,
    gap-free) and returns only once the line is durable: a line is shown to
    the room after it is stored, so what everyone saw is what is kept. It may
    block the calling greenlet, never the whole hub.

    Guarantees: every subscriber is called once per stored line, after it is
    durable and before ``append`` returns, in sequence order within a room
    (so publishing from the subscriber keeps rooms in order). Reads see
    committed lines only, each call one consistent snapshot. Many processes
    may append to one room of a shared storage at once: numbers stay
    gap-free and unique. When the storage cannot be reached, ``append`` and
    the reads raise within a bounded time (ZODBHistory: ``storage_timeout``);
    a line that raised was announced to nobody.
    """

    def append(room, line):
        """Store ``line`` (a dict: author, text, translation, translator, at as
        ISO 8601 UTC, optionally fallback and client_id) in ``room``; return the
        stored line: the protocol's ``line`` message with its ``seq``, ``room``
        and ``epoch``.

        A line with a ``client_id`` the room already holds (at least its last
        10,000) is a repeat, checked in the same transaction as the append: it
        is not stored and not announced; the line first stored with that id is
        returned, with ``"repeat": True``."""

    def subscribe(callback):
        """Call ``callback(stored_line)`` for every line stored from now on."""

    def since(room, after, limit):
        """``(last, lines)`` from one snapshot: ``last`` is the room's last
        sequence number (0 for a room with no lines) and ``lines`` the last
        ``limit`` lines numbered above ``after``, oldest first. A joining
        client gets these, then live lines numbered above ``last``."""

    def epoch(room):
        """The epoch of ``room``'s history: a short string, the same for as long
        as these lines are kept, and different in a replaced (new, reset)
        history. Every stored line carries it as ``epoch``, so a client that
        sees another epoch than it knew can tell a reset from a gap."""

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
