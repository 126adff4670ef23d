"""People in a text: names, the han/hun that point at them, and who is quoted as speaking."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answering import rules
from rag.norwegian import STOPWORDS, words, zipf


def is_english(text: str) -> bool:
    """Two English function words or more, and more of them than Norwegian ones."""
    toks = words(text)
    english = sum(t in rules.ENGLISH for t in toks)
    return english >= rules.ENGLISH_MIN_WORDS and english > sum(t in rules.NORWEGIAN for t in toks)


def text_words(text: str) -> frozenset[str]:
    """The words of `text`, lower case, without the punctuation around them."""
    return frozenset(t.strip(',.:;«»"–').lower() for t in text.split())


def pronoun_words(found: frozenset[str], text: str) -> frozenset[str]:
    """The words `found` in `text` that may be pronouns: «her» only in English; in
    Norwegian it is «here» («Hvor mange jobber her?», «Her er målet …»)."""
    return found - {"her"} if "her" in found and not is_english(text) else found


def names(text: str) -> list[str]:
    """Capitalised words that are names: inside a sentence (after initials too: «Ole J.
    Strand»), or rare as ordinary words. One letter is English «I» or an initial, not a name."""
    out = []
    for m in rules.CAPITALISED_WORD_RE.finditer(text):
        word = m.group()
        if len(word) < 2:
            continue
        before = text[: m.start()].strip()
        inside = (
            m.start() > 0
            and text[m.start() - 1] == " "
            and (before[-1:] not in ".!?–:" or rules.INITIALS_END_RE.search(before) is not None)
        )
        head = word.split("-")[0].lower()
        if inside or zipf(head) < rules.NAME_MAX_ZIPF:
            out.append(word)
    return out


def pronoun_gender(text: str) -> str | None:
    """Whom the person pronouns of `text` point at: "f" for hun/hennes … (she/her), "m"
    for han/hans … (he/his), None when it has none or both."""
    found = {m.group(1).lower() for m in rules.PERSONAL_RE.finditer(text)}
    if is_english(text):
        found |= {m.group(1).lower() for m in rules.ENGLISH_PERSONAL_RE.finditer(text)}
    return _one_gender(bool(found & rules.FEMALE_PRONOUNS), bool(found & rules.MALE_PRONOUNS))


def name_gender(name: str) -> str | None:
    """Whether `name` is a woman's ("f") or a man's ("m"), by its first word; None when
    that is on neither list or on both."""
    first = (name.split() or [""])[0].lower()
    return _one_gender(first in rules.FEMALE_NAMES, first in rules.MALE_NAMES)


def _one_gender(female: bool, male: bool) -> str | None:
    return "f" if female and not male else "m" if male and not female else None


def name_fits(name: str, gender: str | None) -> bool:
    """Whether a han ("m") or a hun ("f") can point at `name`: unless its first name is
    the other's. Every name fits `gender` None."""
    named = name_gender(name)
    return gender is None or named is None or named == gender


def people_named(text: str, gender: str) -> list[str]:
    """The people of `gender` ("f", "m") that `text` names in full, in order: a run of
    capitalised words from a first name on that list on («… etter Eli Haugerud.» gives
    Eli Haugerud for "f")."""
    found = []
    for m in rules.CAPITALISED_NAME_RUN_RE.finditer(text):
        parts = m.group().split()
        first = next((i for i, w in enumerate(parts) if name_gender(w) is not None), None)
        if first is not None and first < len(parts) - 1 and name_gender(parts[first]) == gender:
            found.append(" ".join(parts[first:]))
    return found


def replace_pronoun(question: str, name: str, gender: str | None, english: bool) -> str | None:
    """`question` (whose pronouns point at `gender`) with its han/hun/hans … (he/she/his
    … in English) replaced by `name`: «Hvor gammel er han?» → «Hvor gammel er Ola
    Nordmann?», «Hva er telefonnummeret hennes?» → «Hva er telefonnummeret til Kari?»,
    «Hva er hans rolle?» → «Hva er Olas rolle?»; None when it has no such pronoun, or
    when the pronoun cannot point at `name` («Hva sa hun?» and «Inge Michael Bilet»)."""
    if not name_fits(name, gender):
        return None
    if english:

        def in_english(m: re.Match) -> str:
            pronoun, following = m.group(1).lower(), m.group(2) or ""
            possessive = pronoun == "his" or (pronoun == "her" and following)
            return (name + "'s" if possessive else name) + following

        out, n = rules.ENGLISH_PERSONAL_RE.subn(in_english, question)
        return out if n else None

    def in_norwegian(m: re.Match) -> str:
        pronoun = m.group(1).lower()
        if pronoun not in rules.NORWEGIAN_POSSESSIVE:
            return name
        before = question[: m.start()].split()
        after_noun = before and before[-1].lower() not in STOPWORDS
        return "til " + name if after_noun else name + ("" if name.endswith("s") else "s")

    out, n = rules.PERSONAL_RE.subn(in_norwegian, question)
    return out if n else None


@lru_cache(maxsize=256)  # per article text: every referent looked up in an article reads them
def _speaker_names(text: str) -> tuple[str, ...]:
    return tuple(m.group(1).strip() for m in rules.SPEAKER_RE.finditer(text))


def speakers(text: str, gender: str | None = None) -> frozenset[str]:
    """The words of the names quoted as speaking in `text` (a news article's people:
    «forteller Fritsch», «sier Mette Fritsch» give Fritsch and Mette); with `gender` ("f"
    or "m"), not those of a name whose first name is the other's (`name_gender`)."""
    return frozenset(word for name in _speaker_names(text) if name_fits(name, gender) for word in name.split())
