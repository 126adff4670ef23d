"""Synthetic training questions made from Norwegian sentences by rule.

A declarative sentence whose subject and finite verb can be found becomes a question
about one of its parts, in Norwegian question word order (the verb before the subject):

- a year            «Norge ble selvstendig i 1905.»        → «Når ble Norge selvstendig?»
- a count           «Selskapet har 120 ansatte i Norge.»   → «Hvor mange ansatte har selskapet i Norge?»
- a place           «Han studerte i Bergen.»               → (skipped: the subject is a pronoun)
                    «Ruud spilte finalen i Paris.»          → «Hvor spilte Ruud finalen?»
- a named subject   «Casper Ruud møter Roger Federer.»     → «Hvem møter Roger Federer?»
- a definition      «Parthenon (gresk: …) er et tempel …»  → «Hva er Parthenon?»

The sentence is the question's positive; the other sentences of its text are its hard
negatives. The rules miss much and sometimes make clumsy questions; what the reader
learns from them is to match a question word with the kind of value a sentence holds
and the rest of the question with the sentence's other words.
"""

from __future__ import annotations

import random
import re

from rag.training.finetune import Item

FINITE = frozenset(
    """er var ble blir har hadde kan kunne skal skulle vil ville må måtte får fikk gikk går kom kommer
    fant finner finnes fantes tok tar ga gir sa sier mente mener la legger ligger lå står sto stod spilte
    spiller vant vinner regnes ble bodde bor døde startet starter begynte begynner utgjør utgjorde består
    bestod inneholder inneholdt heter het kalles ledet leder fører førte skrev skriver møter møtte
    åpnet åpner bygget bygde grunnla etablerte overtok ønsker ønsket trenger trengte viser viste""".split()
)
FRONTED = frozenset(
    """i på til fra med etter før under over ved ifølge også deretter da når som men og derfor likevel senere
    tidligere nå her der dessuten samtidig allerede så totalt opprinnelig atter fram frem mens siden hvis
    om uten blant mellom innen mot ikke bare""".split()
)
PRONOUNS = frozenset("han hun den det de vi jeg du dere man dette denne disse".split())
LOWER_FIRST = frozenset("den det de dette denne disse en et ei noen mange flere alle hver".split())
MONTHS = frozenset("januar februar mars april mai juni juli august september oktober november desember".split())
NUMBER_WORDS = frozenset("to tre fire fem seks sju syv åtte ni ti elleve tolv femten tjue tretti hundre".split())
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})$")
_COUNT = re.compile(r"^[0-9][0-9 .]*$")
_PAREN = re.compile(r"\s*\([^()]*\)")


def _bare(token: str) -> str:
    return token.strip(",.;:!?«»\"'()")


def _capitalised(token: str) -> bool:
    bare = _bare(token)
    return bool(bare) and bare[0].isupper() and bare.lower() not in PRONOUNS | LOWER_FIRST


def _clause(sentence: str) -> list[str] | None:
    """The sentence's words, or None for what the rules should not touch (speech,
    headlines, fragments, very long sentences)."""
    text = _PAREN.sub("", sentence).strip()
    if not text.endswith(".") or text[0] in '–-«"' or "«" in text or ":" in text:
        return None
    words = text[:-1].split()
    if not 5 <= len(words) <= 30:
        return None
    return words


def _split(words: list[str], common: frozenset[str]) -> tuple[list[str], str, list[str]] | None:
    """(subject, finite verb, rest) of a subject-first clause, or None. A clause led by an
    adverbial («Totalt ble 37 arenaer brukt») has the verb second too, so the words
    before the verb count as a subject only when they start with a determiner or a noun:
    a word the text also writes in lower case is a noun only with a definite ending."""
    for v in range(1, min(5, len(words) - 1)):
        if words[v] in FINITE:
            subject, first = words[:v], words[0].lower()
            if any(w.endswith(",") for w in subject) or first in PRONOUNS or first in FRONTED:
                return None
            if first in common and first not in LOWER_FIRST and not first.endswith(("en", "et", "ene", "a")):
                return None
            if first.endswith(("lig", "vis", "dag")):
                return None
            return subject, words[v], words[v + 1 :]
    return None


def _main(rest: list[str], end: int) -> bool:
    """Whether rest[:end] stays in the main clause (no comma before it)."""
    return not any(w.endswith(",") for w in rest[:end])


def _moved(subject: list[str]) -> list[str]:
    """The subject as it stands after the verb: «Den nye lederen» → «den nye lederen»."""
    first = subject[0]
    return [first.lower() if first.lower() in LOWER_FIRST or first.lower() in FINITE else first, *subject[1:]]


def _question(head: str, verb: str, subject: list[str], rest: list[str]) -> str:
    words = [head, verb, *_moved(subject), *rest]
    return " ".join(w.rstrip(",") for w in words if w).strip() + "?"


def _when(words: list[str], split) -> str | None:
    for i, word in enumerate(words):
        if not _YEAR.match(_bare(word)) or word.endswith(","):
            continue
        start = i
        while start > 0 and (
            _bare(words[start - 1]).lower() in MONTHS or _bare(words[start - 1]).rstrip(".").isdigit()
        ):
            start -= 1
        if start == 0 or words[start - 1].lower() not in {"i", "år", "høsten", "våren", "sommeren", "vinteren"}:
            continue
        start -= 1
        if start == 0 and len(words) > i + 2 and words[i + 1] in FINITE:  # «I 1905 ble Norge selvstendig»
            return " ".join(["Når", *(w.rstrip(",") for w in words[i + 1 :])]) + "?"
        if split and start > len(split[0]) and _main(split[2], start - len(split[0]) - 1):
            subject, verb, _ = split
            rest = words[len(subject) + 1 : start] + words[i + 1 :]
            return _question("Når", verb, subject, rest)
        return None
    return None


def _count(subject: list[str], verb: str, rest: list[str], common: frozenset[str]) -> str | None:
    for i, word in enumerate(rest[:-1]):
        noun = rest[i + 1]
        number = (_COUNT.match(word) and not _YEAR.match(word) and not word.endswith(".")) or word in NUMBER_WORDS
        if number and noun.isalpha() and noun.islower() and len(noun) > 3 and _main(rest, i):
            return _question(f"Hvor mange {noun}", verb, subject, rest[:i] + rest[i + 2 :])
    return None


def _where(subject: list[str], verb: str, rest: list[str], common: frozenset[str]) -> str | None:
    for i, word in enumerate(rest[:-1]):
        place = _bare(rest[i + 1])
        if word == "i" and _capitalised(place) and place.lower() not in MONTHS and not _YEAR.match(place):
            end = i + 2
            while end < len(rest) and _capitalised(rest[end]) and not rest[end - 1].endswith(","):
                end += 1
            if i == 0 and end == len(rest) or not _main(rest, i):
                return None
            return _question("Hvor", verb, subject, rest[:i] + rest[end:])
    return None


def _name(subject: list[str], common: frozenset[str]) -> bool:
    """Whether the subject is a name: capitalised words, none a common word of the text."""
    return all(_capitalised(w) and _bare(w).lower() not in common for w in subject)


def _who(subject: list[str], verb: str, rest: list[str], common: frozenset[str]) -> str | None:
    if 2 <= len(subject) <= 4 and _name(subject[-2:], common) and len(rest) >= 2:
        return " ".join(["Hvem", verb, *(w.rstrip(",") for w in rest)]) + "?"
    return None


def _what(subject: list[str], verb: str, rest: list[str], common: frozenset[str]) -> str | None:
    if verb in {"er", "var"} and rest[0].lower() in {"en", "et", "ei"} and len(subject) <= 3 and _name(subject, common):
        return _question("Hva", verb, subject, [])
    return None


SUBJECT_RULES = (_count, _where, _who, _what)  # after _when, which also reads a clause led by its year
PER_SENTENCE = 2


def questions_for(sentence: str, common: frozenset[str], rng: random.Random) -> list[str]:
    """Up to two questions the sentence answers, drawn at random among the rules that apply.
    `common`: the words its text writes in lower case (a capitalised one of them that
    leads the sentence is not a name)."""
    words = _clause(sentence)
    if words is None:
        return []
    split = _split(words, common)
    made = [_when(words, split), *(rule(*split, common) for rule in SUBJECT_RULES if split)]
    made = [q for q in made if q]
    return rng.sample(made, min(PER_SENTENCE, len(made)))


def synthetic_items(texts: list[str], avoid: set[str] = frozenset(), seed: int = 13) -> list[Item]:
    """Questions made from the sentences of `texts` (split as the index splits articles),
    each against the other sentences of its text; sentences in `avoid` get none."""
    from rag.chunking import ChunkerSettings, sentence_spans

    rng = random.Random(seed)
    items = []
    for text in texts:
        sentences = tuple(text[s.start : s.end] for s in sentence_spans(text, ChunkerSettings()))
        if len(sentences) < 4:
            continue
        common = frozenset(w for w in re.findall(r"\w+", text) if w.islower())
        for i, sentence in enumerate(sentences):
            if sentence not in avoid:
                items += [Item(q, sentences, frozenset({i})) for q in questions_for(sentence, common, rng)]
    return items
