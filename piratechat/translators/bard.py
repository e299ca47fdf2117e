"""English to Early Modern English, the speech of Shakespeare and the 1611 Bible.

Why this one: a second local translator that is grammar, not a word list.
Its heart is the second person singular, which a word-for-word swap cannot
get right: "you" is "thou" when it does something and "thee" when something
is done to it, and the verb agrees with "thou". Where it came from: the
rules of Early Modern English as any history of English states them; the
vocabulary is in ``bard_words.txt``.

Rules (tests/unit/test_translators_bard.py shows each one):

* ``you`` is ``thou`` as a subject, ``thee`` as an object. No parser decides
  this, the neighbours in the clause do (a clause ends at . , ; : ! ? ( ) "
  a dash or a line break): after a preposition it is an object ("with
  thee"); before a verb it is a subject ("thou knowest"), unless the word
  before makes it an object ("let thee go"); at the clause start, or after a
  conjunction with more to come, a subject; otherwise an object ("I love
  thee", "thank thee"). ``you're``, ``you've``, ``you'll``, ``you'd`` become
  ``thou art``, ``thou hast``, ``thou wilt``, ``thou wouldst``.
* ``your`` is ``thine`` before a vowel sound and ``thy`` elsewhere;
  ``yours`` is ``thine``; ``yourself`` is ``thyself``.
* The verb after ``thou`` (adverbs may sit between) agrees with it: are ->
  art, were -> wert, have -> hast, do -> dost, will -> wilt, can -> canst,
  ... ; a known verb gets -est (knowest, lovest, sittest, triest) and its
  past -st (lovedst, saidst); a negated auxiliary keeps its ``not``
  (don't -> dost not).
* Questions invert: an auxiliary opening a clause (or after a question
  word) before ``you`` agrees with ``thou`` ("Dost thou know", "Where art
  thou"), and a negated one puts its ``not`` after ``thou`` ("Dost thou not
  see").
* Third person singular: does -> doth, has -> hath everywhere; after he,
  she, it or who, a known verb's -s form becomes -eth (knoweth, goeth,
  saith).
* ``it is`` / ``it's`` -> ``'tis`` and ``it was`` -> ``'twas`` when more of
  the clause follows ("what it is" stays).
* The words of ``bard_words.txt``; ``no`` only when it stands alone, since
  "no way" is not "nay way".
* Everything else is copied exactly: spaces, punctuation, unknown words,
  words joined to digits or underscores, URLs, e-mail addresses, handles.
  What a word is, and how case and a typographic apostrophe carry over
  (you -> thou, You -> Thou, YOU -> THOU), is translators/words.py's rule,
  shared with the pirate.
"""

from __future__ import annotations

import re
from importlib.resources import files

from zope.interface import implementer

from piratechat.interfaces import ITranslator

from .pirate import load_words
from .words import PROTECTED, WORD, carry_apostrophe, carry_case

__all__ = ["BardTranslator"]

WORDS_FILE = "bard_words.txt"

_TOKEN = re.compile(
    rf"(?P<protected>{PROTECTED})"
    rf"|(?P<word>{WORD})"
    r"|(?P<space>[ \t]+)"
    r"|(?P<mark>.)",
    re.S,
)
_BREAKS = set('.,;:!?()[]{}"“”«»…—–\n\r')


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- grammar tables (English facts, written for this module) ----------------

THOU_AUX = {
    "are": "art", "were": "wert", "have": "hast", "had": "hadst", "do": "dost",
    "did": "didst", "will": "wilt", "shall": "shalt", "can": "canst",
    "could": "couldst", "would": "wouldst", "should": "shouldst", "may": "mayst",
    "might": "mightst", "must": "must",
}  # fmt: skip
NEGATED = {
    "don't": "do", "didn't": "did", "can't": "can", "cannot": "can", "won't": "will",
    "wouldn't": "would", "shouldn't": "should", "couldn't": "could",
    "haven't": "have", "hadn't": "had", "aren't": "are", "weren't": "were",
    "mustn't": "must", "shan't": "shall",
}  # fmt: skip
THIRD = {"does": "doth", "has": "hath", "doesn't": "doth not", "hasn't": "hath not"}
YOU_CONTRACTED = {
    "you're": "thou art",
    "you've": "thou hast",
    "you'll": "thou wilt",
    "you'd": "thou wouldst",
}
VERBS = _words("""
    know love think want need like say see go come make take give get tell feel
    seem mean hate speak play hope wish look find keep hear believe understand
    remember forget eat drink sleep sail fight win lose run sit stand live die
    bring call ask work try help put send read write sing dance swear fear doubt
    owe pay sell buy steal jest mock walk talk laugh cry weep leave stay wait
    watch break begin hold follow trust pray dream care mind dare lie fly
    return sound agree deserve lack
""")
PAST = {
    "said": "saidst", "knew": "knewest", "saw": "sawest", "thought": "thoughtest",
    "told": "toldest", "gave": "gavest", "took": "tookest", "made": "madest",
    "came": "camest", "went": "wentest", "found": "foundest", "heard": "heardest",
    "felt": "feltest", "kept": "keptest", "brought": "broughtest", "got": "gottest",
    "wrote": "wrotest", "spoke": "spakest", "ate": "atest", "won": "wonnest",
    "ran": "rannest",
}  # fmt: skip
PREPOSITIONS = _words("""
    to for with at from of by about against without like unto upon on in into
    onto under behind after beside near toward towards than among amongst
    around through except before over between betwixt
""")
CONJUNCTIONS = _words("""
    and or but so if when whenever while whilst because since that though
    although unless until till as where wherever what why how who whom which
    whether then yet nor once
""")
OBJECT_VERBS = _words("""
    let lets make makes made help helps helped see sees saw seen watch watched
    hear hears heard have has had bid
""")
ADVERBS = _words("""
    really always never still also just often truly only ever surely already
    even certainly probably sometimes usually verily
""")
THIRD_SUBJECTS = _words("he she it who")
_DOUBLED = _words("forget begin admit regret quit forbid")
_ONE_SYLLABLE_CVC = re.compile(r"[^aeiou]*[aeiou][^aeiouwxy]")
_SILENT_H = ("hour", "honest", "honour", "honor", "heir")
_YU_SOUND = ("uni", "use", "usu", "eu", "one", "once")


def _stem(base: str) -> str:
    """The base as an ending is added: sit -> sitt, try -> tri, love -> lov."""
    if base in _DOUBLED or _ONE_SYLLABLE_CVC.fullmatch(base):
        return base + base[-1]
    if len(base) > 1 and base.endswith("y") and base[-2] not in "aeiou":
        return base[:-1] + "i"
    if base.endswith("e") and not base.endswith("ee"):
        return base[:-1]
    return base


def _est(base: str) -> str:
    return _stem(base) + ("st" if base.endswith("ee") else "est")


def _eth(base: str) -> str:
    if base == "say":
        return "saith"
    return _stem(base) + ("th" if base.endswith("ee") else "eth")


def _s_form(base: str) -> str:
    if base.endswith(("s", "x", "z", "ch", "sh", "o")):
        return base + "es"
    if len(base) > 1 and base.endswith("y") and base[-2] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


def _past(base: str) -> str:
    if base.endswith("e"):
        return base + "d"
    return _stem(base) + "ed"


S_FORMS = {_s_form(base): base for base in VERBS}
REGULAR_PAST = {_past(base) for base in VERBS} - set(PAST)


def _thou_form(key: str) -> str | None:
    """How a verb reads after thou, or None if ``key`` is not a verb we know."""
    if key in THOU_AUX:
        return THOU_AUX[key]
    if key in NEGATED:
        return THOU_AUX[NEGATED[key]] + " not"
    if key in VERBS:
        return _est(key)
    if key in PAST:
        return PAST[key]
    if key in REGULAR_PAST:
        return key + "st"
    return None


def _is_aux(key: str | None) -> bool:
    return key in THOU_AUX or key in NEGATED


def _cased(source: str, target: str) -> str:
    """``target`` with the case of ``source``, and its kind of apostrophe."""
    return carry_apostrophe(source, carry_case(source, target))


@implementer(ITranslator)
class BardTranslator:
    """Translate English to Early Modern English (thou, thee, art, dost, 'tis)."""

    name = "bard"
    title = "Shakespearean"

    def __init__(self, words: dict[str, str] | None = None) -> None:
        if words is None:
            source = files(__package__).joinpath(WORDS_FILE).read_text(encoding="utf-8")
            words = load_words(source)
        if any(" " in english for english in words):
            raise ValueError("the bard's words are single words, not phrases")
        self.words = dict(words)

    def translate(self, text: str) -> str:
        """Return ``text`` in Early Modern English; all but the words is kept."""
        tokens = [(match.lastgroup, match[0]) for match in _TOKEN.finditer(text)]
        out = [token for _, token in tokens]
        clause: list[int] = []
        for index, (kind, token) in enumerate(tokens):
            if kind == "word":
                clause.append(index)
            elif kind == "protected" or (kind == "mark" and token in _BREAKS):
                self._clause(tokens, clause, out)
                clause = []
        self._clause(tokens, clause, out)
        return "".join(out)

    def _clause(self, tokens: list, positions: list[int], out: list[str]) -> None:
        """Rewrite one clause's words in ``out`` (by token index)."""
        words = [tokens[i][1] for i in positions]
        keys = [word.replace("’", "'").lower() for word in words]
        done: set[int] = set()

        def put(j: int, target: str) -> None:
            out[positions[j]] = _cased(words[j], target)
            done.add(j)

        for j, key in enumerate(keys):
            if j in done:
                continue
            if key == "you":
                self._you(keys, j, put)
            elif key in YOU_CONTRACTED:
                put(j, YOU_CONTRACTED[key])
            elif key in ("your", "yours", "yourself"):
                put(j, _possessive(key, keys[j + 1] if j + 1 < len(keys) else None))
            elif key in THIRD:
                put(j, THIRD[key])
            elif key in S_FORMS and _before(keys, j) in THIRD_SUBJECTS:
                put(j, _eth(S_FORMS[key]))
            elif key in ("it", "it's") and j + 1 < len(keys):
                self._tis(tokens, positions, keys, j, put, out)
        for j, key in enumerate(keys):
            if j not in done and key in self.words and (key != "no" or len(keys) == 1):
                put(j, self.words[key])

    def _you(self, keys: list[str], j: int, put) -> None:
        if not _is_subject(keys, j):
            put(j, "thee")
            return
        before = keys[j - 1] if j else None
        if _is_aux(before) and (j == 1 or keys[j - 2] in CONJUNCTIONS):
            # A question: the auxiliary agrees with thou, its "not" follows thou.
            aux = NEGATED.get(before, before)
            put(j - 1, THOU_AUX[aux])
            put(j, "thou not" if before in NEGATED else "thou")
            return
        put(j, "thou")
        verb = _after(keys, j)
        if verb is not None and (form := _thou_form(keys[verb])) is not None:
            put(verb, form)

    def _tis(self, tokens, positions, keys, j, put, out) -> None:
        key, following = keys[j], keys[j + 1]
        if key == "it's":
            if following not in ("been", "got", "gotten", "had"):
                put(j, "'tis")
            return
        contracted = {"is": "'tis", "was": "'twas"}.get(following)
        between = range(positions[j] + 1, positions[j + 1])
        if contracted and j + 2 < len(keys) and all(tokens[i][0] == "space" for i in between):
            put(j, contracted)
            put(j + 1, "")
            for i in between:
                out[i] = ""


def _is_subject(keys: list[str], j: int) -> bool:
    """Whether the ``you`` at ``j`` does the doing (see the module docstring)."""
    before = keys[j - 1] if j else None
    verb = _after(keys, j)
    if before in PREPOSITIONS:
        return False
    if verb is not None and _thou_form(keys[verb]) is not None and before not in OBJECT_VERBS:
        return True
    if before is None:
        return True
    if before in CONJUNCTIONS:
        return j + 1 < len(keys)
    return _is_aux(before) and (j == 1 or keys[j - 2] in CONJUNCTIONS)


def _after(keys: list[str], j: int) -> int | None:
    """The index of the first word after ``j`` that is not an adverb."""
    for k in range(j + 1, len(keys)):
        if keys[k] not in ADVERBS:
            return k
    return None


def _before(keys: list[str], j: int) -> str | None:
    """The first word before ``j`` that is not an adverb."""
    for k in range(j - 1, -1, -1):
        if keys[k] not in ADVERBS:
            return keys[k]
    return None


def _possessive(key: str, following: str | None) -> str:
    if key == "yours":
        return "thine"
    if key == "yourself":
        return "thyself"
    if following and following[0] in "aeiou" and not following.startswith(_YU_SOUND):
        return "thine"
    if following and following.startswith(_SILENT_H):
        return "thine"
    return "thy"
