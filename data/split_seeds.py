"""Split the seed file (five articles run together) into one Markdown file per article.

Run once from the repository root: python data/split_seeds.py ../shared/seeds/000_*.txt
Titles are the articles' headline lines; bodies are copied verbatim. The seed holds no
dates, links or authors, so the front matter has titles only.
"""

import json
import re
import sys
from pathlib import Path

HEADLINES = [
    "Vi styrker Norges eksportmuligheter",
    "Ny leder i NCE Smart Energy Markets: – Jeg kjenner klyngen, faget og partnerne godt fra før",
    "Nå har vi blitt enda bedre på å bidra til innovasjon",
    "– Vi er i et marked hvor vi har gode muligheter til å få oppmerksomhet",
    "Viken-politikere møtte NHO og Smart Innovation Norway",
]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("å", "a").replace("ø", "o").replace("æ", "ae")).strip("-")[
        :50
    ]


def main(seed: str) -> None:
    text = Path(seed).read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [lines.index(h) for h in HEADLINES]
    out = Path(__file__).parent / "articles"
    out.mkdir(exist_ok=True)
    for n, (begin, end) in enumerate(zip(starts, starts[1:] + [len(lines)]), 1):
        body = "\n".join(lines[begin + 1 : end]).strip("\n") + "\n"
        head = f"---\nid: artikkel-{n}\ntitle: {json.dumps(lines[begin], ensure_ascii=False)}\n---\n\n"
        (out / f"{n:02d}-{slug(lines[begin])}.md").write_text(head + body, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
