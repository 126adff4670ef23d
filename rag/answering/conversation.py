"""A question in its conversation: whether it is a follow-up, whom its han/hun means,
and what it is searched for with."""

from __future__ import annotations

from collections.abc import Callable

from rag.answering import rules
from rag.answering.analysis import QuestionAnalysis, analyse, clean_question
from rag.answering.people import name_fits, names, people_named, replace_pronoun
from rag.answering.smalltalk import smalltalk_reply
from rag.errors import EmptyQuestion
from rag.types import Answer


def earlier_questions(history: list[str] | tuple[str, ...]) -> list[str]:
    """The conversation's earlier questions, cleaned; those with nothing left are skipped."""
    earlier = []
    for text in history:
        try:
            earlier.append(clean_question(text or "")[0])
        except EmptyQuestion:
            continue
    return earlier


def search_text(question: str, history: list[str] | tuple[str, ...]) -> tuple[str, bool]:
    """What is searched for (a follow-up carries the earlier questions) and whether the
    question is a follow-up."""
    return _searched(analyse(question), earlier_questions(history))


def _searched(question: QuestionAnalysis, earlier: list[str]) -> tuple[str, bool]:
    follow_up = bool(earlier) and question.leans_back
    searched = " ".join([*earlier[-rules.EARLIER_SEARCHED :], question.text]) if follow_up else question.text
    return searched, follow_up


def notice(question: str, read: QuestionAnalysis) -> str | None:
    """What the answer says about how the conversation was read, so that a wrong guess shows."""
    if read.text != question:
        return f"Leste spørsmålet som «{read.text}»."
    if read.follow_up and read.search_text.startswith(question + " "):  # searched with what it is about
        return f"Søkte også etter «{read.search_text[len(question) + 1 :]}» fra samtalen."
    return None


class Conversation:
    """Reads questions in their conversation, asking earlier questions again (through
    `ask`) where their answers say whom a pronoun means. Thread-safe enough: the memory
    of earlier answers is a cache, and a lost entry is asked again."""

    def __init__(self, ask: Callable[[str, list[str]], Answer]):
        self._ask = ask
        self._answers: dict[tuple[str, ...], Answer] = {}

    def read(self, question: QuestionAnalysis, history: list[str] | tuple[str, ...]) -> QuestionAnalysis:
        """The question as it is answered and searched for.

        A follow-up whose han/hun (his/her ...) points at the person an earlier hvem
        question was answered with is read with that name in the pronoun's place
        («Hvor gammel er han?» after «Hvem er ny leder …?» → «Hvor gammel er Inge
        Michael Bilet?») and searched for alone. Another follow-up with a pronoun says
        what it asks and points back for what it is about: it is searched for with the
        names of the earlier question and the short answer that question got («Hva er
        målet med det?» after «Hva heter prosjektet NMBU arbeider med?» → «… NMBU Smart
        Campus»), not with the earlier question's other words, which lead back to the
        sentence already quoted. Other follow-ups («Og i Völur?») are searched for with
        the two earlier questions."""
        earlier = earlier_questions(history)
        searched, follow_up = _searched(question, earlier)
        if not follow_up:
            return question
        earlier = earlier[-rules.EARLIER_READ :]
        turns = [analyse(text) for text in earlier]
        person = self._person(earlier, turns, question)
        rewritten = replace_pronoun(question.text, person, question.gender, question.english) if person else None
        if rewritten is not None:
            return analyse(rewritten)
        about = self._about(earlier, turns, question) if question.pronouns else None
        return question.in_conversation(f"{question.text} {about}" if about else searched, True)

    def _person(self, earlier: list[str], turns: list[QuestionAnalysis], question: QuestionAnalysis) -> str | None:
        """The person the conversation last named in an answer to a hvem question, or
        the one it asked about («Hvem er Mette Fritsch?»: «hun» next is her, not the
        name her answer holds). When the question's han or hun cannot point at the
        answer's person, the first one of its gender the answer names in full («hennes»
        after «Inge Michael Bilet har overtatt … etter Eli Haugerud.» is Eli Haugerud)."""
        gender = question.gender
        for n in range(len(earlier) - 1, -1, -1):
            if turns[n].kind != "name" or smalltalk_reply(earlier[n]) is not None:
                continue
            if turns[n].person:
                return turns[n].person
            answer = self._earlier_answer(earlier, n)
            short = answer.short_answer
            if short and names(short["text"]) and name_fits(short["text"], gender):
                return short["text"]
            others = people_named(answer.answer or "", gender) if gender else []
            return others[0] if others else None
        return None

    def _about(self, earlier: list[str], turns: list[QuestionAnalysis], question: QuestionAnalysis) -> str | None:
        """What the last earlier question was about: its names and the short answer it got
        (not a person the question's han or hun cannot point at)."""
        for n in range(len(earlier) - 1, -1, -1):
            if smalltalk_reply(earlier[n]) is not None:
                continue
            short = self._earlier_answer(earlier, n).short_answer
            kept = short and name_fits(short["text"], question.gender)
            about = list(turns[n].names) + ([short["text"]] if kept else [])
            return " ".join(dict.fromkeys(about)) or None
        return None

    def _earlier_answer(self, earlier: list[str], n: int) -> Answer:
        """The answer earlier question n got (asked again; the last few are kept)."""
        key = tuple(earlier[: n + 1])
        answer = self._answers.get(key)
        if answer is None:
            answer = self._ask(earlier[n], earlier[:n])
            if len(self._answers) >= rules.EARLIER_ANSWERS_KEPT:
                self._answers.clear()
            self._answers[key] = answer
        return answer
