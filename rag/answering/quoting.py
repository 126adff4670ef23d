"""Quoting the chosen sentence: what to quote around it (another sentence of the article
the span stage rated nearly as high, the sentence naming whom its pronoun means, a whole
contact entry, a photo credit), the quote with its citations, and the short answer marked
inside it."""

from __future__ import annotations

from rag.answering import rules
from rag.answering.analysis import QuestionAnalysis
from rag.answering.choice import Decision
from rag.answering.context import contact_entry
from rag.answering.people import name_gender, names, pronoun_gender, pronoun_words, speakers, text_words
from rag.answering.values import is_heading, short_answer
from rag.retrieval import Hit
from rag.store import IndexData
from rag.types import Citation, Passage

GAP = " […] "  # between quoted sentences that do not follow each other in the article


def quote(data: IndexData, question: QuestionAnalysis, decision: Decision, span_reader=None) -> tuple:
    """The quoted text, its citations (one a sentence) and the short answer (a dict with
    its article offsets, or None) for a decision to answer. With a `span_reader`, the short
    answer is the span it reads in the quote (for a quote of the chosen sentence alone: the
    one the span stage read, `decision.mark`), but for a contact detail or a photo credit
    (the rules mark the number, the address, the photographer) and for a hvem question's
    name where the rules find a person's, or one inside the span reader's answer."""
    best = decision.best
    if decision.sentences is not None:
        chosen = list(decision.sentences)
    elif decision.credit:
        chosen = [best]
    elif decision.owner is not None and question.how_to_reach:  # the whole entry
        chosen = contact_entry(data, decision.owner, best)
    elif decision.owner is not None:  # «Eli Haugerud, […] Telefon: +47 …»: whose number it is
        chosen = [decision.owner, best]
    else:
        chosen = sorted({best, *_also_quoted(data, best, decision.close)})
        if best - 1 not in chosen and needs_referent(data, best, question.kind):
            referent = referent_of(data, best)
            if referent is not None:
                chosen = sorted({referent, *chosen})
    article = data.articles[data.sentences[chosen[0]][0]]
    parts = runs(data, chosen)
    text = GAP.join(article.text[start:end] for start, end in parts)
    citations = tuple(citation(data, s) for s in chosen)
    if decision.sentences is not None:  # the hand weights mark none
        return text, citations, None
    # The span reader marks the rest. A hvem question's name is the rules' where it is a
    # person's (a known first name) or lies inside the span reader's answer («Abelia» in
    # «Abelia, NHOs forening for …»); else the span reader's (the rules' where it finds
    # none). On dev (short-answer F1 of the name questions: the gold set's even rows, 16;
    # a third of NorQuAD's training questions, 107): the rules first (before session 30)
    # 0.659 / 0.365, the span reader alone 0.517 / 0.708, so 0.648 / 0.634. The rules' first capitalised run is often not
    # the answer in an encyclopaedia's sentence («Hvem grunnla Kappkolonien?» → «Cape
    # Town»), and a hvem question there often asks for a description.
    by_span = span_reader is not None and question.searched_contact is None and not decision.credit
    # A quote of the one sentence the span stage read (after the one before it) takes the
    # span it read there; a longer quote is read again (also where the others the span
    # stage read join it: on dev, NorQuAD short F1 0.649, against 0.647 with the chosen
    # one's span).
    read = decision.mark if chosen == [best] else None
    if by_span and question.kind != "name":
        return text, citations, _span_mark(span_reader, question, article, text, parts, read)
    by_rule = next(
        (
            (start + span[0], start + span[1])
            for start, end in parts
            if (span := short_answer(question, article.text[start:end])) is not None
        ),
        None,
    )
    if by_span and not (by_rule and name_gender(article.text[by_rule[0] : by_rule[1]])):
        spanned = _span_mark(span_reader, question, article, text, parts, read)
        if spanned is not None and not (by_rule and spanned["start"] <= by_rule[0] and by_rule[1] <= spanned["end"]):
            return text, citations, spanned
    return text, citations, by_rule and _short(article, *by_rule)


def _also_quoted(data: IndexData, best: int, close: tuple[int, ...]) -> list[int]:
    """The sentences the span stage rated nearly as high (`Decision.close`) that join the
    quote: those of the chosen one's article, but headings and photo credits."""
    art = data.sentences[best][0]
    return [s for s in close if data.sentences[s][0] == art and not _aside(data.sentence_text(s))]


def _aside(text: str) -> bool:
    """A heading or a photo credit: never an answer's referent, nor quoted beside it."""
    return bool(rules.CREDIT_RE.match(text)) or is_heading(text)


def _span_mark(span_reader, question: QuestionAnalysis, article, text: str, parts: list[tuple[int, int]], read=None):
    """The short answer: the span `read` already (article offsets), else the span reader's in `text`."""
    found = read or _read_span(span_reader, question, parts, text)
    found = found and _trimmed(article.text, *found)
    return found and _short(article, *found)


def _read_span(span_reader, question: QuestionAnalysis, parts: list[tuple[int, int]], text: str):
    """The span reader's answer in `text`, the quoted runs `parts` of an article joined by
    GAP, as offsets into the article (None when it finds none, or one that crosses from one
    run to the next)."""
    span = span_reader.span(question.text, text)
    if span is None:
        return None
    at = 0
    for a, b in parts:
        if at <= span[0] and span[1] <= at + (b - a):
            return a + span[0] - at, a + span[1] - at
        at += (b - a) + len(GAP)
    return None


def _trimmed(body: str, start: int, end: int) -> tuple[int, int] | None:
    """A span without the space before it (a token's offsets may take it) nor the stop of
    a sentence it ends; None when nothing is left."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] in ".,;:!?»”\"')"):
        end -= 1
    return (start, end) if end > start else None


def _short(article, start: int, end: int) -> dict:
    return {"article_id": article.id, "start": int(start), "end": int(end), "text": article.text[start:end]}


def needs_referent(data: IndexData, sid: int, kind: str | None) -> bool:
    """The sentence leans on the one before: it starts with a pronoun, or it answers
    a hvem question with a han/hun and names none of the article's quoted people
    («1. oktober 2022 rykket han opp …», not «… ble Mette Fritsch valgt …, og … hun …»)."""
    text = data.sentence_text(sid)
    first = text.lstrip("–—- ").split()[:1]  # «– Han …»: a quote's dash comes first
    lead = first[0].strip(',.:;«»"').lower() if first else ""
    if lead in rules.PRONOUN_START and lead in pronoun_words(text_words(text), text):
        return True
    if kind != "name" or not text_words(text) & rules.PERSONAL:
        return False
    return not set(names(text)) & _quoted_people(data, sid)


def referent_of(data: IndexData, sid: int) -> int | None:
    """The sentence the pronoun of sentence `sid` points back to, among the
    REFERENT_LOOKBACK before it in its article (credits and headings skipped): for
    han/hun, the nearest naming one of the article's quoted people (`speakers`) it can
    point at (a hun not at «Inge Michael Bilet»); else the first that names someone and
    does not lean back itself (han/hun ...); else the sentence just before; None at the
    start of an article."""
    sentences = data.sentences
    art = sentences[sid][0]
    own = data.sentence_text(sid)
    personal = bool(pronoun_words(text_words(own), own) & rules.PERSON_PRONOUNS)
    people = _quoted_people(data, sid, pronoun_gender(own)) if personal else frozenset()
    plain = None  # the first sentence back that does not lean back itself, and whether it names someone
    for other in range(sid - 1, max(-1, sid - rules.REFERENT_LOOKBACK - 1), -1):
        if sentences[other][0] != art:
            break
        text = data.sentence_text(other)
        if _aside(text):
            continue  # «FOTO: Privat/Mari Kristine Buckholm»
        found = set(names(text))
        if found & people:
            return other
        if plain is None and not text_words(text) & rules.PERSONAL:
            plain = (other, bool(found))
    if plain is not None and plain[1]:
        return plain[0]
    previous = sid - 1
    return previous if previous >= 0 and sentences[previous][0] == art else None


def _quoted_people(data: IndexData, sid: int, gender: str | None = None) -> frozenset[str]:
    """The names quoted as speaking in the article of sentence `sid` (`speakers`); with
    `gender`, those a han ("m") or a hun ("f") can point at."""
    return speakers(data.articles[data.sentences[sid][0]].text, gender)


def runs(data: IndexData, chosen: list[int]) -> list[tuple[int, int]]:
    """The article offsets of the chosen sentences, neighbours joined into one run."""
    out: list[tuple[int, int]] = []
    for s in chosen:
        start, end = int(data.sentences[s][1]), int(data.sentences[s][2])
        if out and s - 1 in chosen:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def citation(data: IndexData, sid: int) -> Citation:
    art, start, end = (int(v) for v in data.sentences[sid])
    article = data.articles[art]
    return Citation(article.id, article.title, article.url, article.date, article.text[start:end], start, end)


def passage(data: IndexData, hit: Hit) -> Passage:
    chunk = data.chunks[hit.chunk]
    title = data.articles[data.article_index[chunk.article_id]].title
    return Passage(chunk.article_id, title, chunk.text, round(hit.score, 5), chunk.start, chunk.end)
