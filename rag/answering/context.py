"""What stands around a sentence in its article: its neighbours, the contact list it is a
line of, the caption its photo credit belongs to, how much of the question they cover.
Read by the candidates (features), the choice (confidence) and the quoting stages."""

from __future__ import annotations

import re

from rag.answering import rules
from rag.answering.analysis import QuestionAnalysis
from rag.answering.people import text_words
from rag.answering.terms import coverage
from rag.answering.values import contact_detail, is_heading, slot_filled
from rag.retrieval import Hit
from rag.store import IndexData


def window(data: IndexData, sid: int, hidden: frozenset[int] = frozenset(), contact: re.Pattern | None = None) -> str:
    """The sentence with its neighbours in the same article (those not `hidden`); for
    a contact line holding the `contact` detail asked for, with the lines above it
    that it belongs to (`contact_block`) instead."""
    if contact is not None and contact.search(data.sentence_text(sid)):
        block = [s for s in [*contact_block(data, sid, contact), sid] if s not in hidden]
        return " ".join(data.sentence_text(s) for s in block)
    sentences = data.sentences
    art = sentences[sid][0]
    first = sid - 1 if sid > 0 and sentences[sid - 1][0] == art else sid
    last = sid + 1 if sid + 1 < len(sentences) and sentences[sid + 1][0] == art else sid
    if hidden.intersection((first, last)):
        return " ".join(data.sentence_text(s) for s in range(first, last + 1) if s not in hidden)
    return data.articles[art].text[sentences[first][1] : sentences[last][2]]


def reading_window(data: IndexData, sid: int, hidden: frozenset[int] = frozenset()) -> tuple[str, int, int]:
    """The sentence with the one before it in the same article (unless `hidden`), as the
    span reader reads it: (text, the sentence's start in it, its end). The one before
    names whom a pronoun means; on dev the one after added nothing (rag.answering.choice)."""
    sentences = data.sentences
    art = sentences[sid][0]
    first = sid - 1 if sid > 0 and sentences[sid - 1][0] == art and sid - 1 not in hidden else sid
    start = sentences[sid][1] - sentences[first][1]
    return (
        data.articles[art].text[sentences[first][1] : sentences[sid][2]],
        start,
        start + sentences[sid][2] - sentences[sid][1],
    )


def neighbour_pairs(data: IndexData, best: int, candidates):
    """The neighbours of sentence `best` that may join it: among `candidates`, in the
    same article, not headings; each as (neighbour, the two in order, their text)."""
    art = data.sentences[best][0]
    for other in (best - 1, best + 1):
        if other in candidates and data.sentences[other][0] == art and not is_heading(data.sentence_text(other)):
            pair = sorted([best, other])
            yield other, pair, data.articles[art].text[data.sentences[pair[0]][1] : data.sentences[pair[1]][2]]


def focus_coverage(question: QuestionAnalysis, text: str) -> float:
    """How much of the question's focus words (with or without the kind noun) `text` holds."""
    return max(coverage(focus, text) if focus else 1.0 for focus in question.focus)


def passage_coverage(
    data: IndexData, query: dict[str, float], hits: list[Hit], passages: int, hidden: frozenset[int] = frozenset()
) -> float:
    """How much of the question the top `passages` cover (without the `hidden` sentences)."""

    def text(chunk) -> str:
        shown = range(chunk.first_sentence, chunk.last_sentence)
        if not hidden.intersection(shown):
            return chunk.text
        return " ".join(data.sentence_text(s) for s in shown if s not in hidden)

    return max((coverage(query, text(data.chunks[h.chunk])) for h in hits[:passages]), default=0.0)


def contact_block(data: IndexData, sid: int, contact: re.Pattern) -> list[int]:
    """The lines above contact line `sid` that it belongs to: the short lines (a name,
    a title, «E-post») back to the line before it that holds the same kind of detail,
    at most CONTACT_LOOKBACK, in its article. In a contact list the person's name stands
    above their number, the next person's below it; a sentence of prose ends the list."""
    sentences = data.sentences
    if contact is rules.CONTACT_RE:  # the list of the detail this line holds: a number reads up to the number above
        contact = contact_detail(data.sentence_text(sid)) or contact
    block: list[int] = []
    for other in range(sid - 1, max(-1, sid - rules.CONTACT_LOOKBACK - 1), -1):
        text = data.sentence_text(other)
        too_long = len(text.split()) > rules.CONTACT_LINE_MAX_WORDS
        if sentences[other][0] != sentences[sid][0] or contact.search(text) or too_long:
            break
        block.insert(0, other)
    return block


def contact_owner(data: IndexData, sid: int, question: QuestionAnalysis) -> int | None:
    """For a contact line answering a question about a contact detail: the nearest line
    above it (`contact_block`) holding every name word of the question («Bjerkman»
    in «Marianne Jansson Bjerkman,»; not «Ola Nordmann» in «Kari Nordmann,»); for a
    question for how to reach someone, the top line of the block, where the block and
    the contact line together hold those words; None otherwise."""
    contact = question.contact
    if contact is None or not contact.search(data.sentence_text(sid)):
        return None  # every other question: no name reading on the way to the answer
    asked = question.asked_names
    if not asked:
        return None
    block = contact_block(data, sid, contact)
    if question.how_to_reach:  # «kontakte Eli Haugerud»: the entry from its top, if it names her
        entry = " ".join(data.sentence_text(s) for s in [*block, sid])
        return (block or [sid])[0] if asked <= text_words(entry) else None
    for other in reversed(block):
        if asked <= text_words(data.sentence_text(other)):
            return other
    return None


def contact_entry(data: IndexData, top: int, sid: int) -> list[int]:
    """A contact entry from its `top` line through detail line `sid`, and the line after
    it when that holds the other detail («E-post: …» then «Telefon: …»)."""
    entry = list(range(top, sid + 1))
    after = sid + 1
    sentences = data.sentences
    if after < len(sentences) and sentences[after][0] == sentences[sid][0]:
        held, then = (contact_detail(data.sentence_text(s)) for s in (sid, after))
        if then is not None and then is not held:
            entry.append(after)
    return entry


def photo_credit(data: IndexData, sid: int, question: QuestionAnalysis) -> bool:
    """Whether sentence `sid` is a photo credit («FOTO: Anja Lillerud») answering a
    question for who took a picture of someone, its paragraph (the caption, or the
    paragraph it ends) naming everyone the question names."""
    if question.slot != "photo credit" or not slot_filled(question, data.sentence_text(sid)):
        return False
    asked = question.asked_names
    art, start, _ = data.sentences[sid]
    body = data.articles[art].text
    paragraph = body[body.rfind("\n\n", 0, start) + 1 : start]
    return bool(asked) and asked <= text_words(paragraph)
