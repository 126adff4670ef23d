"""Norwegian text handling: sentence splitting with offsets, tokens, stems, compounds.

Lexical retrieval and sentence scoring both go through `terms()`, so a question and an
article are normalised the same way: lower-cased words, stopwords dropped, Snowball
stems, plus the stems of each compound's parts ("eksportmuligheter" also yields
"eksport" and "mul(igheter)"), so "eksport" finds "eksportmuligheter" and "strømnettet"
meets "nettet".
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import Stemmer

# Bump when `terms()` or `split_sentences()` changes: an index's BM25 side and its chunks are
# only valid with the analyzer they were built with (5: «kl.», «pr.», «gnr.» and initials
# like «H.C.» no longer end a sentence).
ANALYZER_VERSION = 5

WORD_RE = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)

# Bokmål and nynorsk function words, question words, and a few English ones so that
# English questions do not match on "the" and "of".
# «gjør» and its forms too: in «Hva gjør Smart Innovation Norway?» it stands for the activity
# asked about, and the answer rarely repeats it (it chose «Europa gjør det, og Smart
# Innovation Norway gjør det.»); no dev question changed with it.
STOPWORDS = frozenset(
    """
    og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg men
    ett har om vi min mitt ha hadde hun ho nå over da ved fra du ut sin dem oss opp man kan
    hans hvor eller hva skal selv sjøl her alle vil bli ble blei blitt kunne inn når være
    vore kom noen noe ville dere som deres kun ja etter ned skulle denne for deg si sine
    sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt blir samme hvilken
    hvilke sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange også
    slik vært være båe begge siden dykk dykkar dei deira deim di då eg ein eit eitt elles
    honom hjå ikkje inkje korleis korso kva kvar kvarhelst kven kvi kvifor me medan mi
    mine mykje no nokon noka nokor noko nokre si sia sidan so somt somme um upp vere
    vart varte vort sjølv berre enno fordi hennes hennar dens seg sin sitt sine
    the a an of to in on at is are was were be been who what when where which how why
    does did do for by with from and or as that this it its his her their they he she
    hvilket kva for kor kvar kven korleis kvifor slags type
    gjør gjer gjorde gjort gjøre gjere
    """.split()
)

# Abbreviations whose final period does not end a sentence.
_ABBREVIATIONS = frozenset(
    "f.eks bl.a dvs osv mv ca nr kr mill mrd jf pga etc mht iht evt inkl ekskl tlf ref "
    "dr prof st m.fl m.m o.l t.o.m f.o.m e.l ifm kl pr gnr bnr".split()
)
# Initials before a surname: «H.C. Andersen», «N.F.S. Grundtvig».
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")

_SENT_END_RE = re.compile(r"[.!?…]+[»”\"')\]]*\s+|\n\s*")
_MIN_PART_ZIPF = 2.5
_LEXICALISED_ZIPF = 4.5
_MIN_PART, _MIN_COMPOUND = 4, 8

_stemmer = Stemmer.Stemmer("norwegian")

# Common nynorsk forms mapped to bokmål before stemming, so a nynorsk question meets
# bokmål articles (and the other way round). Regular endings are handled in `_bokmal`;
# nynorsk stopwords (korleis, kvifor, sjølv …) never get here.
NYNORSK = {
    "leiar": "leder",
    "leiaren": "lederen",
    "leiarar": "ledere",
    "leiing": "ledelse",
    "politikar": "politiker",
    "heiter": "heter",
    "heitte": "het",
    "hending": "hendelse",
    "hendinga": "hendelsen",
    "mykje": "mye",
    "saman": "sammen",
    "fyrste": "første",
    "fekk": "fikk",
    "frå": "fra",
    "dagleg": "daglig",
    "verksemd": "virksomhet",
    "verksemda": "virksomheten",
    "tilsette": "ansatte",
    "medlemar": "medlemmer",
    "veke": "uke",
    "kyrkje": "kirke",
    "røynsle": "erfaring",
    "utdanninga": "utdanningen",
    "meiner": "mener",
    "seier": "sier",
    "gjer": "gjør",
    "eigar": "eier",
    "bustad": "bolig",
}


def _bokmal(word: str) -> str:
    if word in NYNORSK:
        return NYNORSK[word]
    if len(word) > 6 and word.endswith("arar"):
        return word[:-4] + "ere"
    if len(word) > 6 and word.endswith("ande"):
        return word[:-4] + "ende"
    return word


# Nynorsk question and function words that bokmål writes otherwise (not «no», «me», «so»:
# English words too).
_NYNORSK_FUNCTION_WORDS = {
    "kven": "hvem",
    "kva": "hva",
    "kor": "hvor",
    "kvar": "hvor",
    "korleis": "hvordan",
    "kvifor": "hvorfor",
    "ikkje": "ikke",
    "eg": "jeg",
    "ho": "hun",
    "hennar": "hennes",
    "dei": "de",
    "deira": "deres",
    "ein": "en",
    "eit": "et",
    "eitt": "ett",
    "vart": "ble",
    "noko": "noe",
    "nokon": "noen",
    "berre": "bare",
    "sjølv": "selv",
    "då": "da",
    "hjå": "hos",
    "medan": "mens",
    "sidan": "siden",
    "vere": "være",
    "vore": "vært",
    "òg": "også",
}


def to_bokmal(text: str) -> str:
    """`text` with nynorsk words written as in bokmål («Kven leiar …?» → «Hvem leder …?»),
    case kept, everything else as it is. For the embedders: the articles and the reader's
    training questions are bokmål, and «Kven leiar Cluster for Applied AI?» was matched
    with a sentence that only names the cluster."""

    def swap(match: re.Match) -> str:
        word = match.group()
        low = word.lower()
        new = _NYNORSK_FUNCTION_WORDS.get(low) or _bokmal(low)
        if new == low:
            return word
        return new[:1].upper() + new[1:] if word[:1].isupper() else new

    return WORD_RE.sub(swap, text)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences in text[start:end], whitespace trimmed.

    Sentences end at . ! ? … followed by space and an upper-case letter, digit, dash or
    quote, and at every line break (headings and list items are sentences of their own),
    except after a short label line ending in a colon that the next line completes
    («Telefon:» + «+47 995 44 711» is one sentence).
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _SENT_END_RE.finditer(text, start, end):
        cut = match.end()
        if not match.group().startswith(("\n", " ", "\t", "\r")) and not _ends_sentence(text, match.start(), cut, end):
            continue
        if _is_label(text, pos, match, end):
            continue
        _add_trimmed(text, pos, cut, spans)
        pos = cut
    _add_trimmed(text, pos, end, spans)
    return spans


def _is_label(text: str, pos: int, match: re.Match, end: int) -> bool:
    """A line of at most three words ending in a colon, with the next line right under it."""
    line = text[pos : match.start()].rstrip()
    return (
        match.group().startswith("\n")
        and match.group().count("\n") == 1
        and match.end() < end
        and line.endswith(":")
        and 0 < len(line.split()) <= 3
    )


def _ends_sentence(text: str, punct: int, cut: int, end: int) -> bool:
    if "\n" in text[punct:cut]:
        return True
    if cut >= end:
        return True
    nxt = text[cut]
    if nxt.islower():
        return False
    if text[punct] == ".":
        word = (text[max(0, punct - 8) : punct].split()[-1:] or [""])[0].lstrip('(«"')
        token = word.lower()
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            return False
        if word[:1].isupper() and _INITIALS_RE.fullmatch(word):
            return False
    return True


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def words(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated words also yield their parts."""
    out: list[str] = []
    for match in WORD_RE.finditer(text.lower()):
        word = match.group()
        if "-" in word or "'" in word:
            out.extend(p for p in re.split(r"[-']", word) if p)
            out.append(word.replace("-", "").replace("'", ""))
        else:
            out.append(word)
    return out


# Every use of a Zipf value treats anything below 2 like an unknown word (compound parts
# need 2.5, term weights are capped at 5 = 7 - 2), so rarer words are not kept. The list is
# read directly rather than through wordfreq.get_frequency_dict, which caches all 319k words
# (and its raw list) for the life of the process: 99k words, about 40 MB less per process.
_MIN_KEPT_ZIPF = 2.0


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    from wordfreq import available_languages, read_cBpack

    table = {}
    # bucket i holds the words of frequency 10^(-i/100), that is Zipf 9 - i/100
    for index, bucket in enumerate(read_cBpack(available_languages("best")["nb"])):
        zipf_value = math.log10(10 ** (-index / 100)) + 9  # as wordfreq's own frequencies give it
        if zipf_value < _MIN_KEPT_ZIPF:
            break
        table.update(dict.fromkeys(bucket, zipf_value))
    return table


def zipf(word: str) -> float:
    """How common a word is in Norwegian (wordfreq's Zipf scale, 0 when unknown)."""
    return _zipf_table().get(word, 0.0)


def _part_score(word: str) -> float:
    return 0.0 if word in STOPWORDS or len(word) < _MIN_PART else zipf(word)


@lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Split a Norwegian compound into known words, or return () when it is not one.

    A split is kept when both sides are Norwegian words of four letters or more
    (wordfreq, zipf >= 2.5) and the whole word is not itself common (zipf < 4.5),
    allowing a linking -s- or -e- ("arbeidsplasser" -> arbeid, plasser). The right side
    may itself be a compound. Among candidate splits the one whose rarer part is most
    common wins.
    """
    if len(word) < _MIN_COMPOUND or not word.isalpha() or zipf(word) >= _LEXICALISED_ZIPF:
        return ()
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        left, right = word[:i], word[i:]
        left_score = _part_score(left)
        if left_score < _MIN_PART_ZIPF and left[-1] in "se" and len(left) > _MIN_PART:
            left_score = _part_score(left[:-1])
            left = left[:-1] if left_score >= _MIN_PART_ZIPF else left
        if left_score < _MIN_PART_ZIPF:
            continue
        right_score = _part_score(right)
        right_parts: tuple[str, ...] = (right,)
        if right_score < _MIN_PART_ZIPF:
            right_parts = compound_parts(right)
            if not right_parts:
                continue
            right_score = min(_part_score(p) for p in right_parts)
        # Fewer, longer parts are more plausible than many short ones.
        score = min(left_score, right_score) - 0.75 * (len(right_parts) - 1)
        if best is None or score > best[0]:
            best = (score, (left, *right_parts))
    return best[1] if best else ()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball's Norwegian stem, with the forms of -er nouns (and -ere comparatives)
    brought together: Snowball gives «politiker» politik, «politikere» politiker and
    «politikerne» politikern, so «Viken-politikerne» did not meet «20 politikere»."""
    s = _stemmer.stemWord(word)
    if len(s) >= 6 and s.endswith("ern"):
        s = s[:-1]
    if len(s) >= 5 and s.endswith("er"):
        s = s[:-2]
    return s


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[str, ...]:
    """Index terms of one lower-cased word: its stem, then the stems of its parts."""
    if word in STOPWORDS:
        return ()
    word = _bokmal(word)
    terms = [stem(word)]
    for part in compound_parts(word):
        if part not in STOPWORDS:
            term = stem(part)
            if term not in terms:
                terms.append(term)
    return tuple(terms)


def terms(text: str) -> list[str]:
    """Lexical terms of a text: stems of non-stopwords plus their compound parts."""
    out: list[str] = []
    for word in words(text):
        out.extend(word_terms(word))
    return out
