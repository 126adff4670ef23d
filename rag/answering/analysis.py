"""The question, cleaned and analysed once into a `QuestionAnalysis` that every rule and
feature reads: its language, what kind of thing it asks for, the value a sentence must
hold to answer it, its names, pronouns and terms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from rag.answering import rules
from rag.answering.people import is_english, names, pronoun_gender, pronoun_words
from rag.answering.terms import stem_bigrams, weighted_terms
from rag.errors import EmptyQuestion
from rag.norwegian import STOPWORDS, to_bokmal, word_terms, words


@dataclass(frozen=True)
class QuestionAnalysis:
    """One question, read once. `text` is the question as it is answered (a follow-up's
    pronoun replaced by the name it points at); `search_text` what is searched for (a
    follow-up carries what the conversation was about)."""

    text: str
    language: str  # "bokmål", "nynorsk" or "english"
    kind: str | None  # the kind of thing asked for: "name", "date", "number", "place", "reason"
    slot: re.Pattern | str | None  # the value a sentence must hold: a pattern, "count", "photo credit"
    counted: frozenset[str] | None  # for «hvor mange X»: the terms of X (None in English)
    contact: re.Pattern | None  # the contact detail asked for: a phone number, an e-mail address, either
    names: tuple[str, ...]  # its names («Mette», «Fritsch»)
    name_runs: tuple[str, ...]  # runs of capitalised words after the first word («Mette Fritsch»)
    person: str | None  # the person a «Hvem er Mette Fritsch?» asks about
    pronouns: frozenset[str]  # the pronouns it points back with (`rules.PRONOUNS`)
    gender: str | None  # whom its han/hun (he/she) point at: "f", "m", or None
    leans_back: bool  # a follow-up when there is a conversation: a pronoun, or one content word at most (`_leans_back`)
    terms: dict[str, float] = field(repr=False)  # its stems and compound parts, rare words weighing more
    named_terms: dict[str, float] = field(repr=False)  # the terms of its capitalised words after the first
    focus: tuple[dict[str, float], dict[str, float]] = field(
        repr=False
    )  # what it asks about (`_focus_terms`), with and without the kind noun
    bigrams: frozenset[tuple[str, str]] = field(repr=False)  # pairs of consecutive content-word stems
    # What the conversation adds (the question alone: search_text == text)
    search_text: str = ""
    follow_up: bool = False
    search_terms: dict[str, float] = field(default_factory=dict, repr=False)  # a follow-up's searched terms
    said: frozenset[str] = field(default=frozenset(), repr=False)  # words the conversation already names
    searched_contact: re.Pattern | None = None  # the contact detail the searched text asks for
    embedded_text: str = ""  # what the embedders read: the searched text in bokmål

    @property
    def english(self) -> bool:
        return self.language == "english"

    @property
    def asked_names(self) -> frozenset[str]:
        """Its name words, lower case: what the lines around a contact detail or a photo
        credit must hold for it to be theirs."""
        return frozenset(w.lower() for w in self.names)

    @property
    def how_to_reach(self) -> bool:
        """Whether it asks how to reach someone (any contact detail), not for one detail."""
        return self.contact is rules.CONTACT_RE

    def in_conversation(self, search_text: str, follow_up: bool) -> QuestionAnalysis:
        """The same question searched for with `search_text` (from its conversation)."""
        return replace(self, **_search_fields(search_text, follow_up))


def analyse(text: str) -> QuestionAnalysis:
    """Read a cleaned question (`clean_question`) once; it is searched for as it is until
    `in_conversation` says otherwise."""
    found = words(text)
    plain = " ".join(found)
    english = is_english(text)
    slot, counted = _slot(plain, english)
    pronouns = frozenset(pronoun_words(frozenset(found), text) & rules.PRONOUNS.keys())
    found_names = tuple(names(text))
    bokmal = to_bokmal(text)
    return QuestionAnalysis(
        text=text,
        language="english" if english else "nynorsk" if bokmal != text else "bokmål",
        kind=_kind(plain),
        slot=slot,
        counted=counted,
        contact=slot if slot in rules.CONTACTS else None,
        names=found_names,
        name_runs=tuple(rules.NAME_RUN_RE.findall(text)),
        person=_person(text, found_names),
        pronouns=pronouns,
        gender=pronoun_gender(text),
        leans_back=bool(pronouns) or _leans_back(found, found_names),
        terms=weighted_terms(text),
        named_terms=weighted_terms(" ".join(w for w in text.split()[1:] if w[:1].isupper())),
        focus=(_focus_terms(text), _focus_terms(text, drop_kind_noun=True)),
        bigrams=stem_bigrams(text),
        search_text=text,
        said=_said(found),
        searched_contact=slot if slot in rules.CONTACTS else None,
        embedded_text=bokmal,
    )


def _search_fields(search_text: str, follow_up: bool) -> dict:
    """The fields that read the searched text, for a question searched with its conversation."""
    found = words(search_text)
    slot = _slot(" ".join(found), is_english(search_text))[0]
    return {
        "search_text": search_text,
        "follow_up": follow_up,
        "search_terms": weighted_terms(search_text) if follow_up else {},
        "said": _said(found),
        "searched_contact": slot if slot in rules.CONTACTS else None,
        "embedded_text": to_bokmal(search_text),
    }


def _said(found: list[str]) -> frozenset[str]:
    """The words already named, with their genitives: «Smart Innovation Norways» names
    nothing new in a question about Smart Innovation Norway."""
    said = frozenset(found)
    return said | {w + "s" for w in said}


def clean_question(text: str, limit: int = rules.MAX_QUESTION_CHARS) -> tuple[str, str | None]:
    """Remove control characters, pasted markup and extra space; cut very long questions.

    Returns the cleaned question and a notice when it was cut. Raises EmptyQuestion when
    nothing is left.
    """
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = rules.MARKUP_RE.sub(" ", text)
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text):
        raise EmptyQuestion(
            "Spørsmålet er tomt. Skriv et spørsmål, for eksempel «Hvem er ny leder i NCE Smart Energy Markets?»"
        )
    notice = None
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
        notice = f"Spørsmålet var for langt og ble kuttet til de første {len(text)} tegnene."
    return text, notice


def nobody_meant(question: QuestionAnalysis) -> str | None:
    """The han/hun (his/her …) of a question that names no one and says little else, asked
    outside a conversation («Hvor gammel er han?» as the first question): no one for it to
    mean, so it is not answered with whoever the nearest sentence is about. A longer
    question may name whom it means itself («… den drepte gutten … til han døde?»)."""
    if question.follow_up or question.names:
        return None
    meant = sorted(w for w in question.pronouns if rules.PRONOUNS[w][1] in ("f", "m"))
    said = [w for w in _content_words(words(question.text)) if w not in rules.PRONOUNS]
    return meant[0] if meant and len(said) <= rules.NOBODY_MEANT_WORDS else None


def unknown_names(question: QuestionAnalysis, vocabulary: dict) -> list[str]:
    """Names in the question (runs of capitalised words after the first word) of which
    most words occur nowhere in the corpus.

    A question about "Equinor" or "Jonas Gahr Støre" over articles that never mention
    them cannot be answered from them, however similar some sentence sounds. A run
    counts as known when at least half its words are known, so a misspelt surname next
    to a known first name ("Thor Heyerdal") or a genitive ("Mondlanes") does not abstain.
    """
    out = []
    for run in question.name_runs:
        # One letter is English «I» or an initial, not a name to look up
        parts = [p for p in run.split() if sum(ch.isalpha() for ch in p) > 1]
        unknown = [p for p in parts if not _known_word(p, vocabulary)]
        if parts and len(unknown) > rules.UNKNOWN_NAME_SHARE * len(parts):
            out.append(run)
    return out


def _known_word(word: str, vocabulary: dict) -> bool:
    for w in words(word):
        candidates = (w, w[:-1]) if w.endswith("s") and len(w) > 3 else (w,)
        if any(t in vocabulary for c in candidates for t in word_terms(c)):
            return True
    return False


def _kind(plain: str) -> str | None:
    """What the question (its words, lower case) asks for (`rules.KINDS`)."""
    return next((kind for asks, kind in rules.KINDS if asks.search(plain)), None)


def _slot(plain: str, english: bool) -> tuple[re.Pattern | str | None, frozenset[str] | None]:
    """The value a sentence must hold to answer the question (`rules.SLOTS`), and for
    «hvor mange X» the terms of X (none in English: X is English, the articles Norwegian)."""
    for asks, holds in rules.SLOTS:
        match = asks.search(plain)
        if match:
            return holds, _counted(match.group(1).split()) if holds == "count" and not english else None
    return None, None


def _counted(after: list[str]) -> frozenset[str]:
    """The terms of what «hvor mange» counts: the words of its noun phrase, from the first
    word with terms to the next without («hvor mange av de norske klyngene hadde …» →
    norsk, klyng), at most three. The noun is not always the first of them: «norske»
    alone would miss «38 klynger»."""
    phrase: list[tuple[str, ...]] = []
    for word in after:
        found = word_terms(word)
        if found:
            phrase.append(found)
        if (phrase and not found) or len(phrase) == rules.COUNTED_WORDS:
            break
    return frozenset(term for found in phrase for term in found)


def _leans_back(found: list[str], found_names: tuple[str, ...]) -> bool:
    """A question without a pronoun leans on the conversation when it has one content word
    at most, unless it asks a whole question about a subject it names («Hva er Völur?»);
    «Og i Völur?» and «Hva med Völur?» still lean back."""
    if len(_content_words(found)) > 1:
        return False
    whole = bool(found) and found[0] in rules.QUESTION_WORDS and not rules.ELLIPSIS & set(found[1:2])
    return not (whole and found_names)


def _content_words(found: list[str]) -> list[str]:
    return [t for t in found if t not in STOPWORDS]


def _person(text: str, found_names: tuple[str, ...]) -> str | None:
    """The person a «Hvem er Mette Fritsch?» question asks about: what follows «hvem
    er/var» («who is/was») when it is a name and nothing else; None for «Hvem er ny
    leder i klyngen?»."""
    m = rules.WHO_IS_RE.match(text)
    if m is None:
        return None
    return m.group(1) if all(w in found_names for w in m.group(1).split()) else None


def _focus_terms(text: str, drop_kind_noun: bool = False) -> dict[str, float]:
    """Weighted terms of the question's ordinary (not capitalised) words: what it asks
    about, as opposed to whom. "Hva slags utdanning har Inge Michael Bilet?" -> utdanning.

    Words that only name the kind of answer ("hvor gammel") are left out, and with
    `drop_kind_noun` also the noun after "hvilken/hvilket" ("hvilken by", "hvilket
    selskap"): the answer says "Fredrikstad-mannen", not "by".
    """
    tokens = text.split()
    kept = []
    for i, w in enumerate(tokens):
        previous = tokens[i - 1].lower() if i else ""
        if i and w[:1].isupper():
            continue
        if w.lower().strip("?.,!") in rules.TYPE_WORDS or (drop_kind_noun and previous in rules.WHICH):
            continue
        kept.append(w)
    # the commonest words ("kommer", "ble") say too little to decide on
    return {t: weight for t, weight in weighted_terms(" ".join(kept)).items() if weight > rules.FOCUS_MIN_WEIGHT}
