"""The Gradio chat: wiring of `index.Engine` into a page. No answering logic here.

No `from __future__ import annotations` here: Gradio reads the `gr.LikeData` hint at run time.
"""

import logging
import tempfile
from pathlib import Path

from rag.chatlog import Asked, ChatLog
from rag.editors import index_context, report, to_csv
from rag.errors import EmptyQuestion, UsageError
from rag.index import Engine
from rag.settings import Settings
from rag.store import IndexLoadError
from rag.types import Answer
from rag.ui.render import CSS, chat_message, editors_page, md_text, sources_panel

log = logging.getLogger("rag")

EXAMPLES = [
    "Hvem er ny leder i NCE Smart Energy Markets?",
    "Hvor mange politikere deltok på møtet i Viken?",
    "Når skjedde den første gullsertifiseringen av klyngen?",
    "Hva heter det store prosjektet ved NMBU?",
]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def header_text(engine: Engine) -> str:
    try:
        manifest = engine.served().manifest
    except IndexLoadError:
        return "**Ingen indeks i bruk.** Kjør `rag build` for å bygge den."
    counts = manifest.get("counts", {})
    built = str(manifest.get("created_at", "ukjent")).replace("T", " kl. ").replace("+00:00", " UTC")
    return f"Indeks: **{counts.get('articles', '?')} artikler**, {counts.get('chunks', '?')} tekstbiter, bygget {built}"


def respond(
    engine: Engine,
    message: str,
    chat: list,
    questions: list,
    answers: list,
    chat_log: ChatLog | None = None,
    user: str | None = None,
):
    """One turn: returns (textbox, chat, questions, answers, sources, header).

    `questions` and `answers` hold one entry per turn, None for a turn that got an
    error message, so a 👍/👎 on the n-th bot message finds its answer. With `chat_log`
    the question is stored (with `user`, the logged-in name, if any).
    """
    chat, questions, answers = list(chat or []), list(questions or []), list(answers or [])
    history = [q for q in questions if q]
    try:
        answer = engine.ask(message, history)
    except (EmptyQuestion, IndexLoadError) as exc:
        prefix = "" if isinstance(exc, EmptyQuestion) else "Beklager, indeksen kan ikke brukes nå: "
        chat.append({"role": "user", "content": md_text(message or "") or "…"})
        chat.append({"role": "assistant", "content": prefix + md_text(str(exc))})
        questions.append(None)
        answers.append(None)
        return "", chat, questions, answers, sources_panel(None), header_text(engine)
    chat.append({"role": "user", "content": md_text(answer.question)})
    chat.append({"role": "assistant", "content": chat_message(answer)})
    questions.append(None if answer.kind == "smalltalk" else answer.question)  # greetings are no context
    # what feedback stores; passages stay out of the per-session state (it is copied every turn)
    kept = {k: v for k, v in answer.to_dict().items() if k in ("answer", "abstained", "citations")}
    answers.append(kept | {"question_id": log_question(chat_log, engine, answer, user)})
    return "", chat, questions, answers, sources_panel(answer), header_text(engine)


def log_question(chat_log: ChatLog | None, engine: Engine, answer: Answer, user: str | None) -> int | None:
    """Store the question and what it got; its id, or None (no log, or the log failed:
    a question is answered whatever happens to the log)."""
    if chat_log is None:
        return None
    try:
        return chat_log.log_question(
            Asked(
                question=answer.question,
                kind=answer.kind,
                answered=not answer.abstained,
                score=answer.score if answer.kind == "answer" else None,
                article_ids=tuple(dict.fromkeys(c.article_id for c in answer.citations)),
                closest_article=answer.passages[0].article_id if answer.passages else None,
                answer=answer.answer,
                latency_ms=answer.timings_ms.get("total"),
                build_id=engine.served().path.name,
                user_name=user,
            )
        )
    except Exception as exc:  # noqa: BLE001 - the log must never cost an answer
        log.warning("kunne ikke lagre spørsmålet i %s: %s", chat_log.where(), exc)
        return None


def store_feedback(
    chat_log: ChatLog,
    turn: int,
    liked: bool,
    questions: list,
    answers: list,
    comment: str | None = None,
    user: str | None = None,
) -> str:
    """Record 👍/👎 (with an optional comment) for the turn-th answer (0-based) of this conversation."""
    n = int(turn)
    if not 0 <= n < len(answers) or answers[n] is None:
        return "Fant ikke svaret det gjelder."
    a = answers[n]
    chat_log.add_feedback(
        bool(liked), questions[n], a.get("answer"), a.get("citations"), a.get("question_id"), comment, user
    )
    return "Takk for tilbakemeldingen!"


def editors_report(settings: Settings, engine: Engine, chat_log: ChatLog, days: int) -> tuple[str, str | None]:
    """The editors' page and its CSV file (a path for the download button)."""
    try:
        answerer = engine.served().answerer
        embed, titles = index_context(answerer.data, answerer.embedder)
    except IndexLoadError:
        embed, titles = None, {}
    data = report(chat_log, int(days), embed, titles)
    path = _CSV_DIR / "rapport.csv"  # one file, written anew: no copies of old questions pile up
    path.write_text(to_csv(data), encoding="utf-8")
    return editors_page(data), str(path)


_CSV_DIR = Path(tempfile.mkdtemp(prefix="rag-rapport-"))


def build_app(settings: Settings, engine: Engine | None = None, chat_log: ChatLog | None = None, login: bool = False):
    """The page: the chat, and the editors' page (shown without login, and with login to
    users with the editor role)."""
    import gradio as gr

    engine = engine or Engine(settings)
    chat_log = chat_log or ChatLog.open(settings)
    questions_log = chat_log if settings.log_questions else None

    def user_of(request) -> str | None:
        return getattr(request, "username", None) if login else None

    def is_editor(request) -> bool:
        return not login or chat_log.users().get(user_of(request) or "", ("", ""))[1] == "editor"

    # Gradio's cache keeps the files it served (the report's CSV): cleared hourly of those over a day old
    with gr.Blocks(title="Spør artiklene", delete_cache=(3600, 86400)) as demo:
        gr.Markdown("# Spør artiklene\nSvarene er setninger sitert ordrett fra artiklene, med kilde.")
        header = gr.Markdown(header_text(engine), elem_id="rag-header")
        questions = gr.State([])
        answers = gr.State([])
        with gr.Tab("Chat", id="chat"), gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="Samtale",
                    height=480,
                    elem_id="rag-chat",
                    sanitize_html=True,
                    feedback_options=("Like", "Dislike"),
                    placeholder="Still et spørsmål om artiklene.",
                )
                box = gr.Textbox(
                    label="Spørsmål",
                    placeholder="Skriv et spørsmål, for eksempel om klyngene …",
                    elem_id="rag-question",
                    max_length=10_000,
                    submit_btn="Spør",
                )
                comment = gr.Textbox(
                    label="Kommentar til tommel opp/ned (valgfri; skriv den før du klikker)",
                    elem_id="rag-comment",
                    max_length=2_000,
                    lines=1,
                )
                with gr.Row():
                    clear = gr.Button("Ny samtale", variant="secondary")
                gr.Examples(EXAMPLES, inputs=box, label="Eksempler")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_panel(None), elem_id="rag-sources")
        with gr.Tab("Redaksjon", id="editors", visible=not login, elem_id="rag-editors-tab") as editors_tab:
            gr.Markdown(
                "Hva de ansatte spurte om og ikke fikk svar på, hvilke svar som fikk tommel ned, og hva som ble spurt mest."
            )
            with gr.Row():
                days = gr.Slider(1, settings.log_days, value=min(7, settings.log_days), step=1, label="Dager tilbake")
                refresh = gr.Button("Oppdater", elem_id="rag-editors-refresh")
                download = gr.DownloadButton("Last ned CSV", elem_id="rag-editors-csv")
            page = gr.HTML("<p>Trykk «Oppdater».</p>", elem_id="rag-editors")

        def on_submit(message, chat_value, q, a, request: gr.Request):
            return respond(engine, message, chat_value, q, a, questions_log, user_of(request))

        outputs = [box, chat, questions, answers, sources, header]
        box.submit(on_submit, [box, chat, questions, answers], outputs, api_name="ask")

        def on_clear():
            return [], [], [], sources_panel(None), header_text(engine)

        clear.click(on_clear, None, [chat, questions, answers, sources, header], api_name=False)

        def on_like(q, a, note, data: gr.LikeData, request: gr.Request):
            if not isinstance(data.liked, bool):  # a thumb clicked off again: nothing to store
                return note
            message = data.index if isinstance(data.index, int) else data.index[0]
            store_feedback(chat_log, message // 2, bool(data.liked), q, a, note, user_of(request))
            return ""

        chat.like(on_like, [questions, answers, comment], comment, api_name=False)

        # The same feedback as an API call (turn number, liked, comment) for scripts and tests.
        turn_box = gr.Number(visible=False, precision=0)
        liked_box = gr.Checkbox(visible=False)
        comment_box = gr.Textbox(visible=False)
        feedback_status = gr.Textbox(visible=False)
        feedback_button = gr.Button(visible=False)

        def on_feedback(t, liked, note, q, a, request: gr.Request):
            return store_feedback(chat_log, t, liked, q, a, note, user_of(request))

        feedback_button.click(
            on_feedback, [turn_box, liked_box, comment_box, questions, answers], feedback_status, api_name="feedback"
        )

        def on_report(n, request: gr.Request):
            if not is_editor(request):  # the tab is hidden from others; the data is refused too
                return "<p>Bare for redaktører.</p>", None
            return editors_report(settings, engine, chat_log, n)

        refresh.click(on_report, [days], [page, download], api_name=False)
        editors_tab.select(on_report, [days], [page, download], api_name=False)

        def on_load(request: gr.Request):
            return header_text(engine), gr.Tab(visible=is_editor(request))

        demo.load(on_load, None, [header, editors_tab], api_name=False)
    demo.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    return demo


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, block: bool = True, login: bool = False):
    """Launch the chat. Login is on beyond loopback (required), with `login`, or when an
    older users file is given (`--users`: imported into the chat database once)."""
    from rag.ui.auth import checker

    chat_log = ChatLog.open(settings)
    chat_log.purge(settings.log_days)  # as the nightly build does, for a server that runs longer than a night
    login = login or host not in LOOPBACK or settings.users_file is not None
    if login and not chat_log.users():
        raise UsageError(
            f"vil ikke lytte på {host} uten innlogging: lag brukere med `rag user add NAVN` "
            "(`--role editor` for redaksjonssiden)"
        )
    demo = build_app(settings, chat_log=chat_log, login=login)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=checker(lambda name: chat_log.users().get(name, (None,))[0]) if login else None,
        auth_message="Logg inn for å spørre artiklene.",
        prevent_thread_lock=not block,
        show_error=False,
        quiet=True,
        footer_links=[],
        css=CSS,
        max_file_size=0,
        enable_monitoring=False,
    )
    return demo
