"""The answerer: a short `ask()` over named stages.

    clean and analyse  →  conversation  →  retrieve  →  candidates  →  choice  →  quoting
    (analysis)            (conversation)   (retrieval)  (candidates)    (choice)   (quoting)

Each stage but retrieval (`rag.retrieval`) is a module of `rag.answering`, and all of them
read one `QuestionAnalysis`; the answerer only wires them together and times them.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rag.answering import candidates, quoting
from rag.answering.analysis import analyse, clean_question, nobody_meant, unknown_names
from rag.answering.choice import Choice, HandWeights, LearnedChoice
from rag.answering.conversation import Conversation, notice
from rag.answering.smalltalk import smalltalk_reply
from rag.embedders import Embedder
from rag.errors import ReaderError
from rag.retrieval import HybridRetriever
from rag.store import IndexData
from rag.types import Answer

# Threads for the reader's question vector, one a question being asked (a thread waits on
# its graph's run, which holds no lock). Past 16 questions at once (RAG_CONCURRENCY allows
# 64) the others wait their turn; on two cores they would anyway.
_BESIDE = ThreadPoolExecutor(max_workers=16, thread_name_prefix="reader-question")


class Answerer:
    """Answers questions from one loaded index. Safe to share between threads.

    `choice` is how the answer sentence is chosen: by default the trained `reader`'s
    (`LearnedChoice`) where the index holds its vectors, else the hand weights."""

    def __init__(
        self,
        data: IndexData,
        embedder: Embedder,
        reader=None,
        *,
        choice: Choice | None = None,
        retriever: HybridRetriever | None = None,
        chunks_for_sentences: int = 6,
        passages: int = 3,
        span_reader=None,
        span_marks: bool = True,
    ):
        self.data = data
        self.span_reader = span_reader  # `rag.span`: reads the best candidates for the choice
        self.marks = span_reader if span_marks else None  # and marks the short answer in the quote
        self.embedder = embedder
        if choice is None:
            use_reader = reader is not None and data.reader_vectors is not None
            choice = LearnedChoice(reader, span_reader=span_reader) if use_reader else HandWeights()
        elif isinstance(choice, LearnedChoice) and data.reader_vectors is None:
            raise ReaderError(
                "indeksen har ingen leservektorer; kjør `rag build` med leseren (eller sett RAG_READER=0)."
            )
        self.choice = choice
        self.retriever = retriever or HybridRetriever(data)
        self.chunks_for_sentences = chunks_for_sentences
        self.passages = passages
        self.conversation = Conversation(self.ask)

    @classmethod
    def configured(
        cls, data: IndexData, embedder: Embedder, settings, reader=None, choice=None, span_reader=None
    ) -> Answerer:
        """An answerer with the retrieval and answer knobs of `settings` (a rag.settings.Settings)."""
        retriever = HybridRetriever(
            data, depth=settings.retrieval_depth, dense_weight=settings.dense_weight, rrf_k=settings.rrf_k
        )
        return cls(
            data,
            embedder,
            reader,
            choice=choice,
            retriever=retriever,
            chunks_for_sentences=settings.answer_chunks,
            passages=settings.passages,
            span_reader=span_reader,
            span_marks=settings.span,
        )

    @property
    def reader(self):
        """The trained reader the choice reads, or None (the hand weights)."""
        return getattr(self.choice, "reader", None)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = (), passages: int | None = None) -> Answer:
        """Answer `question`; `history` holds the earlier questions of the conversation,
        oldest first; `passages` is how many passages to return (default 3)."""
        t0 = time.perf_counter()
        n_passages = passages if passages and passages > 0 else self.passages
        question, cut = clean_question(question)
        reply = smalltalk_reply(question)
        if reply is not None:
            return Answer(question, reply, False, 0.0, kind="smalltalk", timings_ms={"total": 0.0})
        read = self.conversation.read(analyse(question), history)
        pronoun = nobody_meant(read)
        meant = f"Jeg vet ikke hvem «{pronoun}» er: spør gjerne med navnet." if pronoun else None
        said = " ".join(filter(None, [cut, notice(question, read), meant])) or None
        answering = not pronoun and not (self.choice.abstain and unknown_names(read, self.data.bm25.vocab_dict))
        # The reader's question vector, on its own graph beside the embedder's (the e5
        # graph, `GraphQueries`; both release the interpreter while they run): 5-11 ms
        # sooner, the same vectors.
        beside = answering and self.reader is not None
        reading = _BESIDE.submit(self.choice.reading, self.data, read) if beside else None
        query_vector = self.embedder.embed_queries([read.embedded_text])[0]
        t1 = time.perf_counter()
        k = max(self.chunks_for_sentences, n_passages, self.choice.pool)
        hits = self.retriever.search(read.search_text, query_vector, k=k)
        t2 = time.perf_counter()
        passages_shown = tuple(quoting.passage(self.data, h) for h in hits[:n_passages])
        answer = Answer(question, None, True, 0.0, (), passages_shown, notice=said)
        if answering:
            answer = self._answer(read, query_vector, hits, answer, None if reading is None else reading.result())
        t3 = time.perf_counter()
        timings = {
            "embed": (t1 - t0) * 1e3,
            "retrieve": (t2 - t1) * 1e3,
            "answer": (t3 - t2) * 1e3,
            "total": (t3 - t0) * 1e3,
        }
        return replace(answer, timings_ms={k: round(v, 2) for k, v in timings.items()})

    def _answer(self, read, query_vector, hits, abstained: Answer, reading: tuple | None) -> Answer:
        """The candidates, the choice and the quote; `abstained` when there is no answer.
        `reading`: what the choice's reader adds to the candidates (`Choice.reading`)."""
        found = candidates.gather(self.data, read, query_vector, hits, self.chunks_for_sentences, reading)
        if not found.ids:
            return abstained
        decision = self.choice.decide(self.data, read, found, hits, self.passages)
        if not decision.answered:
            return replace(abstained, score=round(decision.score, 4))
        text, citations, short = quoting.quote(self.data, read, decision, self.marks)
        return replace(
            abstained,
            answer=text,
            abstained=False,
            score=round(decision.score, 4),
            citations=citations,
            short_answer=short,
        )
