"""Every seam of PirateChat in one place; always safe to import.

Each interface's docstring is its contract: enough to write a second
implementation from.
"""

from pyramid_sockjs_gevent.interfaces import (  # noqa: F401 (the library's seams, also ours)
    IReceiver,
    ISockJSEndpoint,
    provide,
)
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
        ISO 8601 UTC, optionally fallback and repeat_key) in ``room``; return the
        stored line: the protocol's ``line`` message with its ``seq``, ``room``
        and ``epoch`` (never its ``repeat_key``: chat/core/senders.py).

        A line with a ``repeat_key`` the room already holds (at least its last
        10,000) is a repeat, checked in the same transaction as the append: it
        is not stored and not announced; the line first stored with that key is
        returned, with ``"repeat": True``."""

    def append_soon(room, line, done):
        """``append`` without waiting: queue ``line`` and return at once; then
        ``done(stored, None)`` once it is durable (after the subscribers), or
        ``done(None, error)`` with what ``append`` would have raised. Lines
        queued one after another are stored, announced and told in that order,
        so one connection can have several lines on their way to the disk.
        ``done`` may be called before ``append_soon`` returns, and must not
        block (ZODBHistory calls it from its writer)."""

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

    def exists(room):
        """Whether ``room`` is stored: made by ``POST /rooms/`` or by its first
        line (a line said in a room that is not made it: chat/runtime/limits.py counts it)."""


class IBroker(Interface):
    """Carries a room's messages between the processes that serve one chat.

    A message is the JSON text of a protocol message for a room: a stored
    ``line`` (with its ``room``, ``seq`` and, when the history has one, its
    ``epoch``), a ``translator`` notice, a presence ``enter`` or ``leave``.
    Brokers that share one bus (one Redis server and channel prefix; one
    ``LocalBus`` object in a process) form a cluster; each stands for one
    process.

    Guarantees, stated exactly (the contract tests check each):

    - **Not to itself.** ``publish`` reaches the subscribers of every *other*
      broker on the bus, never the publisher's own: a process delivers to its
      own members itself, so it keeps serving them when the bus is down.
    - **At most once.** The bus never delivers a message twice; a message
      published while a subscriber is cut off from the bus is lost for it.
    - **Ordered per publisher.** Messages one broker publishes reach each
      other broker in the order they were published (all rooms together).
      Messages of different publishers interleave in any order: lines of one
      room said on two processes may arrive out of ``seq`` order.
    - **Never blocks on the bus.** ``publish`` returns at once; it never
      raises for a bus that is down (the message is dropped and logged).
    - **Tells of losses.** After a connection to the bus was lost and is
      back, every ``on_reconnect`` callback is called: messages may have been
      missed meanwhile. The connection is retried with backoff, for ever.

    What the chat builds on it (chat/runtime/sequencer.py): lines are put back in
    ``seq`` order, doubles dropped, and anything missed (a gap in ``seq``, a
    reconnect) read from IHistory, so members see every line once, in order.
    """

    def publish(room, message):
        """Send ``message`` (JSON text) for ``room`` to the other brokers' subscribers."""

    def subscribe(callback):
        """Call ``callback(room, message)`` for each message another broker published."""

    def on_reconnect(callback):
        """Call ``callback()`` each time the bus is back after it was lost."""

    def healthy():
        """True when the bus is usable now (in-process: always)."""

    def close():
        """Stop: no more deliveries, connections closed."""


class IPresence(Interface):
    """Who is in which room, across every process: state with an expiry.

    A member is an ``id`` (unique per join) and a ``name``. Each entry expires
    ``ttl`` seconds after it was entered or last refreshed, so the members of
    a process that dies without a word vanish on their own: the live process
    refreshes its members every ``ttl / 3``. Implementations: in process
    memory (one process) and a Redis sorted set per room, scored by expiry
    time (every process).
    """

    ttl = Attribute("Seconds an entry lives without a refresh.")

    def enter(room, member_id, name):
        """Record the member in ``room`` (expires ``ttl`` seconds from now)."""

    def leave(room, member_id, name):
        """Remove the member; True if this call removed it (False: already gone)."""

    def refresh(room, members):
        """Push the expiry of ``members`` (``{id: name}``) ``ttl`` seconds ahead;
        return the ids that were gone (expired and swept, or never entered),
        now entered again."""

    def members(room, limit):
        """``(count, [{"id", "name"}, ...])``: how many unexpired members
        ``room`` has, and up to ``limit`` of them, sorted by name, then id."""

    def counts(rooms):
        """``{room: count}``: how many unexpired members each of ``rooms`` has, in
        one round trip (a forum's list asks for all its topics' rooms at once)."""

    def sweep(room):
        """Remove the expired members of ``room``; return those this call
        removed (``[{"id", "name"}]``), so each is announced once."""


class IRoomNames(Interface):
    """Who goes by which name in each room, across every process: names
    with an expiry, so a room holds each name (its chat/core/names.py key) once.

    A ``holder`` is any object standing for one connection (the chat's
    session); each holds one name in one room at a time. A take is one
    lookup of the name's key, whatever the room's size. Each name held
    expires ``ttl`` seconds after it was taken or last refreshed, so the
    names of a process that dies without a word are free again on their
    own; the live process refreshes its names every ``ttl / 3``.
    Implementations: in process memory (one process, chat/core/names.py) and a
    Redis key per room and name, holding the expiry time (every process,
    chat/runtime/names_redis.py).
    """

    ttl = Attribute("Seconds a name is held without a refresh.")

    def take(room, name, holder, owner=None):
        """``holder`` goes by ``name`` in ``room`` from now on, giving up the
        name it held before; or ChatError ``name_taken`` if another live
        holder has the name's key there (the holder's own name, taken again,
        is fine). ``owner``, when given, is who stands behind the holder (a
        digest of the join's ``sender_key``): a holder of the same owner gives
        way, so a client back on another connection (its process died, or its
        old connection is not yet noticed gone) keeps its name. While the
        shared state cannot be reached, the name is checked against this
        process's holders only (the chat carries on)."""

    def release(holder):
        """``holder`` gives up its name (it left, or its join failed); nothing
        if it held none. Never raises: a name it could not give up expires."""

    def refresh():
        """Push the expiry of every name this process holds ``ttl`` seconds
        ahead (one that expired meanwhile and is still free is held again);
        return the holders whose expired name another took since."""


# The app's parts, registered as utilities in Pyramid's registry by
# ``piratechat.includeme`` and looked up with ``registry.getUtility(IChat)``
# (``queryUtility`` where a part may be absent: a registry of translators only).


class ISettings(Interface):
    """PirateChat's settings (piratechat/settings.py): one attribute per
    ``piratechat.*`` name, typed, parsed and checked once at start-up. Read
    only: a change of settings is a restart."""


class IDatabase(Interface):
    """The chat's ZODB database (storage/lazy.py's LazyDatabase): web views
    open a reading connection per request; changes go through IWriter."""

    ready = Attribute("True once the storage is open.")

    def open(transaction_manager=None):
        """A ZODB connection (waits up to ``storage_timeout`` for the storage)."""

    def close():
        """Close the storage (FileStorage writes its index)."""


class IWriter(Interface):
    """The one writer every change of the database goes through (storage/writer.py).

    A change is a callable given the database's root; the writer runs changes in
    order, several in one transaction, and tells each its result once durable."""

    on_commit_time = Attribute("Called with the seconds each group commit took, or None.")

    def submit(change, announce=False):
        """Run ``change(root)``; return its result once committed (blocks the greenlet)."""

    def drain(timeout):
        """Wait until every change submitted is committed; False if ``timeout`` passed first."""

    def close():
        """Stop taking changes."""


class IRoomChoices(Interface):
    """Which translator each room chose (chat/runtime/choice.py): kept in the database,
    read back with a short reuse, told to other processes by the broker."""

    def lookup(room):
        """The ITranslator ``room`` uses now (its choice if offered, else the default)."""

    def choice(room):
        """The name ``room`` chose, or None (the default)."""

    def remember(room, name):
        """Another process told us ``room`` chose ``name``: use it at once."""

    def choose(room, name, key=None, lock=None):
        """Keep ``name`` as ``room``'s translator; return once it is durable."""


class IChat(Interface):
    """The chat (chat/runtime/service.py): rooms, their members and lines, on one
    IHistory and one IBroker. SockJS sessions and the pages call it."""

    settings = Attribute("The ISettings it runs on.")
    history = Attribute("Its IHistory.")
    broker = Attribute("Its IBroker.")
    hub = Attribute("The fan-out of lines to this process's members (chat/runtime/hub.py).")
    limits = Attribute("The limits of issue 13 (chat/runtime/limits.py).")
    room_translators = Attribute("Its IRoomChoices.")


class ITranslatorGuard(Interface):
    """What every translation goes through (translators/guard.py)."""

    def translate(translator, text):
        """``translator``'s answer for ``text``, cut, cleaned, or the fallback's."""


class ITranslatorOrigin(Interface):
    """Where an offered translator came from (a distribution, "built-in"):
    a text registered as a named utility under the translator's name."""


class IMetrics(Interface):
    """The app's Prometheus CollectorRegistry (metrics.py), served at /metrics."""


class IStopping(Interface):
    """Registered once the app has begun to stop (shutdown.py): it is no longer ready."""
