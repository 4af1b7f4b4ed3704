"""Splitting an article into passages at its headings, with tables rewritten as readable lines.

A passage is one section (the text under a `##`/`###` heading, or the lead text before the
first heading). Long sections are cut at block boundaries into parts of at most
`MAX_PASSAGE_WORDS` words. Markdown tables become one line per row that names its columns, e.g.
"United States – Return label fee: $6.95", so a row can be found and quoted on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.knowledge.documents import Article
from actions.knowledge.passages import Passage

MAX_PASSAGE_WORDS = 180
CHUNKER_VERSION = "2"  # bump when the output changes, so ingestion re-embeds every passage

_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_LIST_RE = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])[ \t]+(.*)$")
_TABLE_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_EMPTY_CELLS = {"", "-", "–", "—", "n/a"}


@dataclass(frozen=True)
class _Block:
    text: str
    line: bool = False  # a list item or table row: joined to its neighbours by a single newline


@dataclass(frozen=True)
class _Section:
    heading: str
    blocks: list[_Block]


def split_article(article: Article) -> list[Passage]:
    """The article's passages, in reading order, with ids like `return-policy#how-long-you-have`."""
    passages: list[Passage] = []
    used_ids: set[str] = set()
    for section in _sections(article):
        parts = _pack(section.blocks)
        base = f"{article.id}#{_slug(section.heading) or 'intro'}"
        base = _unique(base, used_ids)
        for n, text in enumerate(parts, start=1):
            pid = base if n == 1 else _unique(f"{base}-part{n}", used_ids)
            used_ids.add(pid)
            passages.append(
                Passage(
                    id=pid,
                    article_id=article.id,
                    title=article.title,
                    section=section.heading,
                    category=article.category,
                    text=text,
                    url=article.url,
                )
            )
    return passages


def embedding_text(passage: Passage) -> str:
    """What gets embedded and indexed: title and section make a passage self-contained."""
    head = f"{passage.title}: {passage.section}" if passage.section else passage.title
    return f"{head}\n{passage.text}"


def strip_inline_markdown(text: str) -> str:
    """Remove emphasis, code ticks, images and link syntax; keep the words (and absolute link targets)."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)[^)]*\)", r"\1 (\2)", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def table_lines(rows: list[list[str]]) -> list[str]:
    """Table rows as text, each with its column headers: 'key – Col: value; Col: value'."""
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:  # a lone header row is just text
        return ["; ".join(cell for cell in header if cell)]
    lines = []
    for row in body:
        cells = row + [""] * (len(header) - len(row))
        key = cells[0]
        values = [(header[i] if i < len(header) else "", cells[i]) for i in range(1, len(cells))]
        values = [(name, value) for name, value in values if value.strip().lower() not in _EMPTY_CELLS]
        rendered = "; ".join(f"{name}: {value}" if name else value for name, value in values)
        lines.append(f"{key} – {rendered}" if rendered else key)
    return lines


def _sections(article: Article) -> list[_Section]:
    sections: list[_Section] = []
    path: list[tuple[int, str]] = []  # heading stack: (level, text)
    blocks: list[_Block] = []

    def close() -> None:
        if any(block.text.strip() for block in blocks):
            sections.append(_Section(" > ".join(text for _, text in path), list(blocks)))
        blocks.clear()

    lines = article.body.splitlines()
    i = 0
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(_Block(strip_inline_markdown(" ".join(line.strip() for line in paragraph))))
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        heading = _HEADING_RE.match(stripped)
        if heading:
            end_paragraph()
            level, text = len(heading.group(1)), strip_inline_markdown(heading.group(2))
            if level == 1 and text == article.title and not sections and not blocks:
                i += 1
                continue
            close()
            level = max(level, 2)
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text))
        elif stripped.startswith("|"):
            end_paragraph()
            rows: list[list[str]] = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                row = lines[i].strip()
                if not _TABLE_SEPARATOR_RE.match(row):
                    rows.append([strip_inline_markdown(c) for c in row.strip("|").split("|")])
                i += 1
            blocks.extend(_Block(row, line=True) for row in table_lines(rows))
            continue
        elif _LIST_RE.match(line):
            end_paragraph()
            match = _LIST_RE.match(line)
            assert match is not None
            marker = line.strip().split(maxsplit=1)[0]
            marker = marker if marker[0].isdigit() else "-"
            indent = "  " * (len(match.group(1).expandtabs(4)) // 2 > 0)
            item = [match.group(2)]
            i += 1
            while (
                i < len(lines) and lines[i].strip() and not _starts_block(lines[i]) and lines[i].startswith((" ", "\t"))
            ):
                item.append(lines[i].strip())
                i += 1
            blocks.append(_Block(f"{indent}{marker} {strip_inline_markdown(' '.join(item))}", line=True))
            continue
        elif not stripped:
            end_paragraph()
        else:
            paragraph.append(stripped)
        i += 1
    end_paragraph()
    close()
    return sections


def _starts_block(line: str) -> bool:
    stripped = line.strip()
    return bool(_HEADING_RE.match(stripped) or stripped.startswith("|") or _LIST_RE.match(line))


def _pack(blocks: list[_Block]) -> list[str]:
    """Join blocks into passages of at most MAX_PASSAGE_WORDS words (never splitting a list item or row)."""
    pieces: list[_Block] = []
    for block in blocks:
        if len(block.text.split()) > MAX_PASSAGE_WORDS and not block.line:
            pieces.extend(_Block(part) for part in _split_long_paragraph(block.text))
        else:
            pieces.append(block)
    parts: list[list[_Block]] = [[]]
    words = 0
    for piece in pieces:
        n = len(piece.text.split())
        if parts[-1] and words + n > MAX_PASSAGE_WORDS:
            parts.append([])
            words = 0
        parts[-1].append(piece)
        words += n
    return [_join_blocks(part) for part in parts if part]


def _join_blocks(blocks: list[_Block]) -> str:
    """Paragraphs are separated by blank lines; consecutive list items and table rows by newlines."""
    out = blocks[0].text
    for prev, block in zip(blocks, blocks[1:]):
        out += ("\n" if prev.line and block.line else "\n\n") + block.text
    return out


def _split_long_paragraph(text: str) -> list[str]:
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", text)
    out: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and len(" ".join(current + [sentence]).split()) > MAX_PASSAGE_WORDS:
            out.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        out.append(" ".join(current))
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _unique(candidate: str, used: set[str]) -> str:
    if candidate not in used:
        return candidate
    n = 2
    while f"{candidate}-{n}" in used:
        n += 1
    return f"{candidate}-{n}"
