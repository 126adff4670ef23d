"""What a sentence holds, read against an analysed question: the value asked for, the kind
of thing asked for, where the short answer sits, the phrases they share."""

from __future__ import annotations

import re

from rag.answering import rules
from rag.answering.analysis import QuestionAnalysis
from rag.answering.people import names
from rag.answering.terms import stem_bigrams
from rag.norwegian import STOPWORDS, word_terms, words


def phrase_overlap(question: QuestionAnalysis, text: str) -> float:
    """Share of the question's stem pairs that the text also has (0 to 1)."""
    pairs = question.bigrams
    return len(pairs & stem_bigrams(text)) / len(pairs) if pairs else 0.0


def is_heading(text: str) -> bool:
    """A short line without end punctuation."""
    return not text.rstrip("»”\"')").endswith((".", "!", "?", ":", "…")) and len(text.split()) < rules.HEADING_MAX_WORDS


def contact_detail(text: str) -> re.Pattern | None:
    """The pattern of the contact detail `text` holds: a phone number's, else an e-mail
    address's; None for neither."""
    return next((pattern for pattern in (rules.PHONE_RE, rules.EMAIL_RE) if pattern.search(text)), None)


def holds_photo_credit(text: str) -> bool:
    """Whether `text` holds a credit naming a photographer («FOTO: Anja Lillerud»)."""
    return any(m.group("photo") for m in rules.CREDIT_RE.finditer(text))


def slot_filled(question: QuestionAnalysis, text: str) -> bool:
    """Does `text` hold the kind of value the question asks for, where one can tell?

    "Hvor mange politikere …" needs a number next to "politikere"; "hvor gammel" an age;
    "hvor lenge" a duration; "hvilket år" a year; "hvilken dato" a day («10. mai», not
    «2021»); "hvor mye kostet", "hva tjener" an amount; a question about a phone number
    or an e-mail address, one of those; who took a picture, a photo credit. Other
    questions pass: "når" is answered by dates, weekdays and whole clauses alike.
    """
    slot = question.slot
    if slot is None:
        return True
    if slot == "photo credit":
        return holds_photo_credit(text)
    if slot != "count":
        return bool(slot.search(text))
    tokens = words(text)
    numbers = [i for i, tok in enumerate(tokens) if tok.isdigit() or tok in rules.NUMBER_WORDS]
    if question.counted is None:  # an English question: the counted noun is in English, the text in Norwegian
        return bool(numbers)
    reach = rules.COUNT_REACH
    return any(
        question.counted & set(word_terms(t)) for i in numbers for t in tokens[max(0, i - reach) : i + reach + 1]
    )


def type_match(question: QuestionAnalysis, text: str) -> bool:
    """Does `text` hold a thing of the asked kind that the conversation does not already
    name? A number is one in digits or a count in words («to timer»)."""
    kind = question.kind
    if kind is None:
        return False
    if kind == "reason":
        return rules.REASON_RE.search(text) is not None
    said = question.said
    if kind in ("name", "place") and any(not set(words(w)) <= said for w in names(text)):
        return True
    if kind == "name":
        return False
    patterns = {
        "number": (rules.NUMBER_RE, rules.COUNT_WORD_RE),
        "date": (rules.DATE_RE,),
        "place": (rules.PLACE_RE,),
    }[kind]
    return any(not set(words(m.group())) <= said for pattern in patterns for m in pattern.finditer(text))


def short_answer(question: QuestionAnalysis, text: str) -> tuple[int, int] | None:
    """Where in `text` the short answer sits (a name for hvem, a date for når, a number
    for hvor mange/mye): the first such thing the conversation does not already name,
    as (start, end) offsets into `text`; None when the kind is unknown or nothing fits."""
    contact = question.searched_contact
    if contact is not None:  # the number or address itself, whatever the kind
        m = contact.search(text)
        return (m.start(), m.end()) if m else None
    kind = question.kind
    if kind is None or kind == "reason":
        return None
    said = question.said
    if kind in ("name", "place"):
        # A run of names the question does not already hold («Markets-klyngen» counts as
        # «Markets»); for hvem, full names (two words or more) before single words:
        # «Nyvalgt» opening a sentence is rare enough to pass for a name, «Mette Fritsch» is one.
        # A function word opening the sentence is not part of the run: «Ved NMBU …».
        found = set(names(text))
        runs = []
        for m in rules.CAPITALISED_NAME_RUN_RE.finditer(text):
            parts = [(w.start(), w.end(), w.group()) for w in re.finditer(r"\S+", m.group())]
            while len(parts) > 1 and parts[0][2].lower() in STOPWORDS:
                parts = parts[1:]
            run = [w for _, _, w in parts]
            if any(w in found for w in run) and not {w.split("-")[0].lower() for w in run} <= said:
                runs.append((m.start() + parts[0][0], m.start() + parts[-1][1], len(run)))
        best = min(runs, key=lambda r: kind == "name" and r[2] < 2, default=None)
        if best is not None:
            return best[0], best[1]
        if kind == "name":
            return None
    pattern = {"number": rules.NUMBER_SPAN_RE, "date": rules.DATE_SPAN_RE, "place": rules.PLACE_RE}[kind]
    for m in pattern.finditer(text):
        if not set(words(m.group())) <= said:
            return m.start(), m.end()
    return None
