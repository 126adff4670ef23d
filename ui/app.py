"""The Gradio chat: wiring of `index.Engine` into a page. No answering logic here.

No `from __future__ import annotations` here: Gradio reads the `gr.LikeData` hint at run time.
"""

from rag.errors import EmptyQuestion, UsageError
from rag.index import Engine
from rag.settings import Settings
from rag.store import IndexLoadError
from rag.ui import feedback
from rag.ui.render import CSS, chat_message, md_text, sources_panel

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


def respond(engine: Engine, message: str, chat: list, questions: list, answers: list):
    """One turn: returns (textbox, chat, questions, answers, sources, header).

    `questions` and `answers` hold one entry per turn, None for a turn that got an
    error message, so a 👍/👎 on the n-th bot message finds its answer.
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
    answers.append({k: v for k, v in answer.to_dict().items() if k in ("answer", "abstained", "citations")})
    return "", chat, questions, answers, sources_panel(answer), header_text(engine)


def store_feedback(settings: Settings, turn: int, liked: bool, questions: list, answers: list) -> str:
    """Record 👍/👎 for the turn-th answer (0-based) of this conversation."""
    n = int(turn)
    if not 0 <= n < len(answers) or answers[n] is None:
        return "Fant ikke svaret det gjelder."
    feedback.record(settings.home, bool(liked), questions[n], answers[n])
    return "Takk for tilbakemeldingen!"


def build_app(settings: Settings, engine: Engine | None = None):
    import gradio as gr

    engine = engine or Engine(settings)
    with gr.Blocks(title="Spør artiklene") as demo:
        gr.Markdown("# Spør artiklene\nSvarene er setninger sitert ordrett fra artiklene, med kilde.")
        header = gr.Markdown(header_text(engine), elem_id="rag-header")
        questions = gr.State([])
        answers = gr.State([])
        with gr.Row():
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
                with gr.Row():
                    clear = gr.Button("Ny samtale", variant="secondary")
                gr.Examples(EXAMPLES, inputs=box, label="Eksempler")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_panel(None), elem_id="rag-sources")

        def on_submit(message, chat_value, q, a):
            return respond(engine, message, chat_value, q, a)

        outputs = [box, chat, questions, answers, sources, header]
        box.submit(on_submit, [box, chat, questions, answers], outputs, api_name="ask")

        def on_clear():
            return [], [], [], sources_panel(None), header_text(engine)

        clear.click(on_clear, None, [chat, questions, answers, sources, header], api_name=False)

        def on_like(q, a, data: gr.LikeData):
            message = data.index if isinstance(data.index, int) else data.index[0]
            store_feedback(settings, message // 2, bool(data.liked), q, a)

        chat.like(on_like, [questions, answers], None, api_name=False)

        # The same feedback as an API call (turn number, liked) for scripts and tests.
        turn_box = gr.Number(visible=False, precision=0)
        liked_box = gr.Checkbox(visible=False)
        feedback_status = gr.Textbox(visible=False)
        feedback_button = gr.Button(visible=False)
        feedback_button.click(
            lambda t, liked, q, a: store_feedback(settings, t, liked, q, a),
            [turn_box, liked_box, questions, answers],
            feedback_status,
            api_name="feedback",
        )
        demo.load(lambda: header_text(engine), None, header, api_name=False)
    demo.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    return demo


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    """Launch the chat. Login is required whenever the server listens beyond loopback."""
    from rag.ui.auth import checker, load_users

    users = load_users(settings.users_file) if settings.users_file else {}
    if host not in LOOPBACK and not users:
        raise UsageError(
            f"vil ikke lytte på {host} uten innlogging: lag brukere med `rag user add NAVN` "
            "og gi --users FIL (eller RAG_USERS_FILE)"
        )
    demo = build_app(settings)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=checker(users) if users else None,
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
