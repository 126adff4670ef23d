"""The chat, launched for real on a free port: gradio_client and headless Chromium."""

import csv
import io
import shutil
import socket
import time
from pathlib import Path

import pytest

from rag.chatlog import Asked, ChatLog
from rag.errors import UsageError
from rag.settings import Settings
from rag.ui.app import serve
from rag.ui.auth import checker, hash_password
from rag.ui.render import chat_message, md_text

ARTIFACTS = Path(__file__).parent / "_artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app(seed_index, tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-home")
    settings = Settings.from_env(env={}, home=home, index_dir=seed_index.index_dir, models_dir=seed_index.models_dir)
    port = _free_port()
    demo = serve(settings, port=port, block=False)
    yield f"http://127.0.0.1:{port}/", settings
    demo.close()


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app[0], verbose=False)


def _ask(client, question, chat=None):
    _, chat, sources, header = client.predict(question, chat or [], api_name="/ask")
    text = chat[-1]["content"][0]["text"] if isinstance(chat[-1]["content"], list) else chat[-1]["content"]
    return text, chat, sources, header


def test_answer_has_numbered_citation_and_highlighted_quote(client):
    text, _, sources, header = _ask(client, "Hvem er ny leder i NCE Smart Energy Markets?")
    assert "Inge Michael Bilet" in text and "[1]" in text
    assert "<mark>" in sources and "Inge Michael Bilet" in sources.split("<mark>")[1]
    assert "5 artikler" in header


def test_abstention_shows_closest_passages(client):
    text, _, sources, _ = _ask(client, "Hva er hovedstaden i Frankrike?")
    assert "Jeg fant ikke noe sikkert svar" in text
    assert "Nærmeste avsnitt" in sources and "<mark>" not in sources


def test_follow_up_uses_the_conversation(client):
    _, chat, _, _ = _ask(client, "Hvem er ny leder i NCE Smart Energy Markets?")
    text, _, _, _ = _ask(client, "Hvor gammel er han?", chat)
    assert "47" in text


def test_markup_in_questions_is_escaped(client):
    _, chat, _, _ = _ask(
        client, "<img src=x onerror=alert(1)> [klikk](javascript:alert(1)) Hvem er CEO i eSmart Systems?"
    )
    user = chat[-2]["content"][0]["text"] if isinstance(chat[-2]["content"], list) else chat[-2]["content"]
    # HTML tags are dropped from a question; Markdown is escaped
    assert "<img" not in user and "onerror" not in user and "\\[klikk\\]" in user


def test_render_escapes_article_text():
    assert "<script>" not in md_text("<script>alert(1)</script>")
    from rag.types import Answer, Citation

    c = Citation("a", "<b>T</b>", "javascript:alert(1)", None, "<script>x</script>", 0, 18)
    answer = Answer("q", "<script>x</script>", False, 1.0, (c,), ())
    from rag.ui.render import sources_panel

    html = sources_panel(answer)
    assert "<script>" not in html and "<b>T</b>" not in html and "javascript:" not in html
    assert "<script>" not in chat_message(answer)


def test_source_title_links_to_the_article_with_its_date():
    from rag.types import Answer, Citation
    from rag.ui.render import sources_panel

    url = "https://example.no/nyheter/ny-leder?a=1&b='2'"
    c = Citation("a", "Ny leder", url, "2026-11-20", "Hun leder.", 0, 10)
    html = sources_panel(Answer("q", "Hun leder.", False, 1.0, (c,), ()))
    assert "<a href='https://example.no/nyheter/ny-leder?a=1&amp;b=&#x27;2&#x27;' target='_blank' " in html
    assert "rel='noopener noreferrer'>Ny leder</a>" in html and "2026-11-20" in html
    ftp = sources_panel(Answer("q", "Hun leder.", False, 1.0, (Citation("a", "T", "ftp://x/y", None, "q", 0, 1),), ()))
    assert "<a " not in ftp


def test_short_answer_is_bold_in_a_quote_of_sentences_apart():
    from rag.answering import GAP
    from rag.types import Answer, Citation

    article = "Det sier Kari Nordmann. Hun er ny. Ordet går. Hun leder klyngen fra 1. mai."
    first, second = article.index("Det"), article.index("Hun leder")
    cites = (
        Citation("a", "T", None, None, article[first : article.index(" Hun er")], first, article.index(" Hun er")),
        Citation("a", "T", None, None, article[second:], second, len(article)),
    )
    text = cites[0].quote + GAP + cites[1].quote
    at = article.index("Kari")
    short = {"article_id": "a", "start": at, "end": at + 13, "text": "Kari Nordmann"}
    answer = Answer("Hvem leder klyngen?", text, False, 1.0, cites, (), short_answer=short)
    assert text[slice(*answer.short_answer_span())] == "Kari Nordmann"
    assert "«Det sier **Kari Nordmann**\\. \\[…\\] Hun" in chat_message(answer)
    at = article.index("1. mai")
    later = Answer(
        "Når?", text, False, 1.0, cites, (), short_answer=short | {"start": at, "end": at + 6, "text": "1. mai"}
    )
    assert text[slice(*later.short_answer_span())] == "1. mai" and "fra **1\\. mai**\\.»" in chat_message(later)
    wrong = Answer("Når?", text, False, 1.0, cites, (), short_answer=short | {"text": "Ola"})
    assert wrong.short_answer_span() is None and "**" not in chat_message(wrong)


def test_login_is_required_beyond_loopback(seed_index):
    with pytest.raises(UsageError, match="uten innlogging"):
        serve(seed_index, host="0.0.0.0", port=_free_port(), block=False)
    check = checker({"kari": hash_password("hemmelig-passord")})
    assert check("kari", "hemmelig-passord") and not check("kari", "feil") and not check("ola", "x")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_browser_question_answer_citation_feedback(app):
    from playwright.sync_api import sync_playwright

    url, settings = app
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        box = page.locator("#rag-question textarea")
        box.wait_for(timeout=30_000)
        box.fill("Hvem er ny leder i NCE Smart Energy Markets?")
        t0 = time.perf_counter()
        box.press("Enter")
        page.locator("#rag-sources mark").first.wait_for(timeout=30_000)
        elapsed_ms = (time.perf_counter() - t0) * 1000
        chat_text = page.locator("#rag-chat").inner_text()
        assert "[1]" in chat_text and "Inge Michael Bilet" in chat_text
        # One mark a citation (the answer quotes two sentences naming him).
        marks = page.locator("#rag-sources mark").all_inner_texts()
        assert all("Inge Michael Bilet" in mark for mark in marks)
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
        before = len(ChatLog.open(settings).feedback())
        page.locator("#rag-chat button[aria-label='Like']").last.click()
        for _ in range(50):  # the click reaches the server a moment later
            if len(ChatLog.open(settings).feedback()) > before:
                break
            time.sleep(0.1)
        row = ChatLog.open(settings).feedback()[-1]
        assert row["liked"] is True and "Inge Michael Bilet" in row["answer"] and row["question_id"]
        browser.close()
    print(f"\nEnter → svar i nettleseren: {elapsed_ms:.0f} ms; skjermbilde: {ARTIFACTS / 'chat.png'}")


def test_no_route_serves_files_outside_the_app(app):
    import httpx

    url, _ = app
    for path in (
        "file=/etc/passwd",
        "gradio_api/file=/etc/passwd",
        "gradio_api/file=../../../../etc/passwd",
        "static/../../../../etc/passwd",
    ):
        response = httpx.get(url + path, timeout=10)
        assert response.status_code != 200 or "root:" not in response.text, path


def test_adding_a_user_never_prints_or_stores_the_password(tmp_path, monkeypatch, capsys):
    from rag.cli import main

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "et-langt-passord-123")
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    assert main(["user", "add", "kari", "--role", "editor"]) == 0
    out, err = capsys.readouterr()
    assert "et-langt-passord-123" not in out + err
    database = tmp_path / "chat.db"
    assert b"et-langt-passord-123" not in database.read_bytes()
    assert oct(database.stat().st_mode & 0o777) == "0o600"
    stored, role = ChatLog(database).users()["kari"]
    assert role == "editor" and checker({"kari": stored})("kari", "et-langt-passord-123")


def test_feedback_through_the_api_is_stored(app):
    from gradio_client import Client

    url, settings = app
    client = Client(url, verbose=False)  # its own session: its own conversation state
    client.predict("   ", [], api_name="/ask")  # an error turn first: numbering must still line up
    client.predict("Hvem er CEO i eSmart Systems?", [], api_name="/ask")
    assert "Takk" in client.predict(1, False, "Feil person?", api_name="/feedback")
    assert "Fant ikke" in client.predict(0, True, "", api_name="/feedback")
    row = ChatLog.open(settings).feedback()[-1]
    assert row["liked"] is False and row["question"] == "Hvem er CEO i eSmart Systems?"
    assert "Knut Johansen" in row["answer"] and row["citations"][0]["article_id"] == "artikkel-5"
    assert row["comment"] == "Feil person?"
    asked = {q["id"]: q for q in ChatLog.open(settings).questions()}
    assert asked[row["question_id"]]["question"] == "Hvem er CEO i eSmart Systems?"  # tied to its question


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_editors_page_shows_what_staff_could_not_get(app):
    """As a new user would: five questions in the chat (two the articles cannot answer,
    worded differently about the same thing), a 👎 with a comment; then the editors' page
    shows the two as one group of 2, the 👎 with its comment, and the CSV holds the same.
    A question holding markup is shown as text: no dialog fires."""
    from playwright.sync_api import sync_playwright

    url, settings = app
    ChatLog.open(settings).log_question(  # as if typed past the cleaning: the page must still escape it
        Asked("<script>alert('x')</script><img src=x onerror=alert(1)> Hvem er sjef?", "answer", False)
    )
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        box = page.locator("#rag-question textarea")
        box.wait_for(timeout=30_000)
        bubbles = page.locator("#rag-chat button[aria-label='Dislike']")
        for n, question in enumerate(
            [
                "Hvem er ny leder i NCE Smart Energy Markets?",
                "Kan studenter søke sommerjobb hos dere?",
                "Hvor mange politikere deltok på møtet i Viken?",
                "Tilbyr dere sommerjobber for studenter?",
                "<img src=x onerror=alert(1)> Hva gjør Smart Innovation Norway?",
            ],
            1,
        ):
            box.fill(question)
            box.press("Enter")
            page.wait_for_function(
                f"document.querySelectorAll('#rag-chat .message-row, #rag-chat [data-testid=bot]').length >= {n}",
                timeout=30_000,
            )
            bubbles.nth(n - 1).wait_for(timeout=30_000)
        page.locator("#rag-comment textarea").fill("Svaret nevner ikke antallet <b>politikere</b>")
        bubbles.nth(2).click()
        page.locator("#rag-comment textarea").wait_for(timeout=5_000)
        for _ in range(50):
            if any(f["comment"] for f in ChatLog.open(settings).feedback()):
                break
            time.sleep(0.1)
        page.get_by_role("tab", name="Redaksjon").click()  # opening the tab loads the page
        page.locator("#rag-unanswered").wait_for(timeout=30_000)
        page.wait_for_function("!document.querySelector('.pending')", timeout=30_000)
        rows = page.locator("#rag-unanswered tr").all_inner_texts()
        summer = [r for r in rows if "sommerjobb" in r]
        assert len(summer) == 1 and summer[0].split()[0] == "2", rows
        assert "Tilbyr dere sommerjobber for studenter?" in summer[0]
        disliked = page.locator("#rag-disliked").inner_text()
        assert "Svaret nevner ikke antallet <b>politikere</b>" in disliked  # as typed, shown as text
        assert "<script>alert('x')</script>" in page.locator("#rag-editors").inner_text()
        page.screenshot(path=str(ARTIFACTS / "editors.png"), full_page=True)
        with page.expect_download() as download:
            page.locator("#rag-editors-csv").click()
        table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        browser.close()
    assert not dialogs, dialogs
    assert any(r[0] == "unanswered" and r[1] == "2" and "sommerjobb" in r[2] for r in table)
    assert any(r[0] == "disliked" and r[4] == "Svaret nevner ikke antallet <b>politikere</b>" for r in table)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_with_login_only_editors_see_the_editors_page(seed_index, tmp_path):
    from playwright.sync_api import sync_playwright

    settings = Settings.from_env(
        env={}, home=tmp_path, index_dir=seed_index.index_dir, models_dir=seed_index.models_dir
    )
    log = ChatLog.open(settings)
    log.add_user("kari", hash_password("kari-passord-1"), "editor")
    log.add_user("ola", hash_password("ola-passord-1"), "user")
    port = _free_port()
    demo = serve(settings, port=port, block=False, login=True)
    seen = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for name in ("kari", "ola"):
                page = browser.new_context().new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("input[type=text], input[name=username]").first.fill(name)
                page.locator("input[type=password]").first.fill(f"{name}-passord-1")
                page.locator("button:has-text('Login'), button[type=submit]").first.click()
                page.locator("#rag-question textarea").wait_for(timeout=30_000)
                tab = page.get_by_role("tab", name="Redaksjon")
                if name == "kari":  # the page shows the tab once its load event has read her role
                    tab.wait_for(timeout=30_000)
                else:  # 3 s past a ready page: the event that showed kari her tab shows ola none
                    page.wait_for_timeout(3_000)
                seen[name] = tab.count()
            browser.close()
    finally:
        demo.close()
    assert seen == {"ola": 0, "kari": 1}
