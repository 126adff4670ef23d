"""Messages that are not questions about the articles: greetings, thanks, questions
about the bot. They get a short, friendly reply that says what the bot can do, with no
search and no citation."""

from __future__ import annotations

import re

from rag.answering.rules import SMALLTALK_MAX_CHARS

CAPABILITIES = (
    "Jeg svarer på spørsmål om artiklene våre – om energi, anvendt kunstig intelligens og dekommisjonering – "
    "med setninger sitert ordrett fra artiklene og en kildehenvisning til hvert sitat. "
    "Spør for eksempel «Hvem er ny leder i NCE Smart Energy Markets?»"
)
_GREETING = "Hei! " + CAPABILITIES
_THANKS = "Bare hyggelig! Spør gjerne igjen om noe i artiklene."
_BYE = "Ha det bra! Spør gjerne igjen om noe i artiklene."

_W = r"[\s!.,?:;)(😀🙂👍🙏]*"
_RULES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(rf"^{_W}(?:{pattern}){_W}$", re.I), reply)
    for pattern, reply in (
        (
            r"(?:hei|hallo|heisann|hey|hi|hello|god (?:morgen|dag|kveld|ettermiddag)|morn|halla)(?: (?:du|der|bot))?",
            _GREETING,
        ),
        (
            r"(?:tusen )?takk(?: skal du ha| for (?:hjelpen|svaret|det))?(?: så mye)?|mange takk|thanks?(?: you)?|thx|supert|flott|perfekt",
            _THANKS,
        ),
        (r"ha det(?: bra)?|hadet|bye|goodbye|snakkes", _BYE),
        (
            r"hva kan du(?: gjøre| hjelpe (?:meg )?med)?|kva kan du|hvem er du|kven er du|hva er du|hvordan fungerer du"
            r"|hva gjør du|what can you do|who are you|hjelp|help",
            CAPABILITIES,
        ),
    )
)


def smalltalk_reply(message: str) -> str | None:
    """The reply to a greeting, thanks, goodbye or question about the bot; None for
    anything else (which is searched as a question)."""
    text = " ".join(message.split())
    if len(text) > SMALLTALK_MAX_CHARS:
        return None
    for pattern, reply in _RULES:
        if pattern.match(text):
            return reply
    return None
