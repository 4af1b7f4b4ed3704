"""Loading help-center files (Markdown, plain text, HTML, PDF) into `Article`s.

Every loader returns the article body as light Markdown (`## ` headings, `- ` list items,
`| a | b |` table rows), so `chunking.py` has one format to split. A file that can't be used
raises `DocumentError` with a reason a person can act on; `load_directory` collects those.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import yaml

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES + TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES
DEFAULT_CATEGORY = "general"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_ACRONYMS = {"US", "USA", "UK", "EU", "SMS", "FAQ", "PDF", "2FA", "ID", "PIN", "VAT", "GST", "HST", "PST", "APO"}
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)


class DocumentError(Exception):
    """A file can't be turned into an article; the message says why."""


@dataclass(frozen=True)
class Article:
    """One help-center article, its body normalised to light Markdown."""

    id: str
    title: str
    category: str
    body: str
    source: str  # file path relative to the help-center folder
    url: str | None = None
    updated: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not ingested, and why."""

    path: str
    reason: str


def load_directory(root: Path) -> tuple[list[Article], list[SkippedFile]]:
    """Load every supported file under `root` (recursively, hidden files ignored).

    Files that can't be used, and second files claiming an article id already taken, are
    returned as `SkippedFile`s instead of stopping the run.
    """
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    sources_by_id: dict[str, str] = {}
    for path in _candidate_files(root):
        rel = path.relative_to(root).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(SkippedFile(rel, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            article = load_article(path, root)
        except DocumentError as exc:
            skipped.append(SkippedFile(rel, str(exc)))
            continue
        if article.id in sources_by_id:
            skipped.append(
                SkippedFile(rel, f"duplicate article id {article.id!r} (already used by {sources_by_id[article.id]})")
            )
            continue
        sources_by_id[article.id] = rel
        articles.append(article)
    return articles, skipped


def load_article(path: Path, root: Path | None = None) -> Article:
    """Load one file; raise `DocumentError` when it is empty, unreadable or has no title."""
    source = path.relative_to(root).as_posix() if root else path.name
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"unreadable: {exc.strerror or exc}") from None
    if not raw.strip():
        raise DocumentError("empty file")
    if suffix in PDF_SUFFIXES:
        fields = _parse_pdf(raw, path.stem)
    else:
        if b"\x00" in raw[:8192]:
            raise DocumentError("binary data, not a text file")
        text = _decode(raw, html=suffix in HTML_SUFFIXES)
        if suffix in MARKDOWN_SUFFIXES:
            fields = _parse_markdown(text, path.stem)
        elif suffix in TEXT_SUFFIXES:
            fields = _parse_text(text, path.stem)
        elif suffix in HTML_SUFFIXES:
            fields = _parse_html(text, path.stem)
        else:
            raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    return _build_article(fields, source)


def _candidate_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel_parts = path.relative_to(root).parts
        if any(part.startswith((".", "_")) for part in rel_parts) or not path.is_file():
            continue
        yield path


def _decode(raw: bytes, html: bool = False) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        declared = _CHARSET_RE.search(raw[:4096]) if html else None
        if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            try:
                return raw.decode(declared.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
        raise DocumentError(
            f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
    if "\ufffd" in text:
        raise DocumentError("contains broken characters (U+FFFD): the file was saved with a wrong encoding")
    return text


def _parse_markdown(text: str, stem: str) -> dict[str, object]:
    meta, body = _split_front_matter(text)
    if not meta.get("title"):
        match = re.search(r"^#[ \t]+(.+?)[ \t#]*$", body, re.M)
        if match:
            meta["title"] = match.group(1)
    return {**meta, "id": meta.get("id") or stem, "body": body}


def _split_front_matter(text: str) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise DocumentError(f"invalid YAML front matter{where}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DocumentError("front matter must be 'key: value' lines")
    return {str(k).lower(): v for k, v in meta.items()}, text[match.end() :]


def _parse_text(text: str, stem: str) -> dict[str, object]:
    """Plain text: optional front matter, else the first line is the title and the file stem the id."""
    meta, body = _split_front_matter(text)
    lines = body.strip("\n").splitlines()
    if not meta.get("title"):
        while lines and not lines[0].strip():
            lines.pop(0)
        meta["title"] = lines.pop(0).strip() if lines else ""
    return {**meta, "id": meta.get("id") or stem, "body": _plain_text_to_markdown(lines)}


def _plain_text_to_markdown(lines: list[str]) -> str:
    """Turn ALL-CAPS lines and underlined (=== / ---) lines into `## ` headings."""
    out: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if re.fullmatch(r"[=-]{3,}", stripped) and out and out[-1].strip() and not out[-1].startswith("## "):
            out[-1] = "## " + out[-1].strip()
            continue
        prev_blank = i == 0 or not lines[i - 1].strip()
        if prev_blank and _looks_like_caps_heading(stripped):
            out.append("## " + _sentence_case(stripped))
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def _looks_like_caps_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return 3 <= len(letters) and len(line) <= 80 and line.upper() == line and not line.endswith((".", ","))


def _sentence_case(heading: str) -> str:
    """'TEXT MESSAGES (SMS)' -> 'Text messages (SMS)': keep acronyms in parentheses."""
    words = []
    for i, word in enumerate(heading.split()):
        if word.startswith("(") or word.strip("(),:") in _ACRONYMS:
            words.append(word)
        else:
            words.append(word.capitalize() if i == 0 else word.lower())
    return " ".join(words)


class _HtmlToMarkdown(HTMLParser):
    """Converts article HTML to light Markdown; reads <title>, <h1> and <meta name=...>."""

    _SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "aside", "form"}
    _BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "pre", "dd", "dt", "figcaption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.lines: list[str] = []
        self._buf: list[str] = []
        self._skip_depth = 0
        self._in_title = False
        self._heading: int | None = None
        self._lists: list[list[int | str]] = []  # [kind, counter]
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._table_rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag in self._SKIP:
            self._skip_depth += 1
            return
        if tag == "meta" and attr.get("name") and "content" in attr:
            self.meta.setdefault(attr["name"].strip().lower(), attr["content"].strip())
        elif tag == "meta" and attr.get("property") == "og:url" and attr.get("content"):
            self.meta.setdefault("url", attr["content"].strip())
        elif tag == "link" and attr.get("rel", "").lower() == "canonical" and attr.get("href"):
            self.meta.setdefault("url", attr["href"].strip())
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag in ("ul", "ol"):
            self._flush()
            self._lists.append([tag, 0])
        elif tag == "li":
            self._flush()
            if self._lists:
                self._lists[-1][1] = int(self._lists[-1][1]) + 1
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br":
            self._text("\n")
        elif tag in self._BLOCKS or tag == "table":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = _collapse("".join(self._buf))
            self._buf = []
            if self._heading == 1 and not self.h1:
                self.h1 = text
            elif text:
                self.lines += ["", "#" * max(2, self._heading) + " " + text, ""]
            self._heading = None
        elif tag in ("ul", "ol"):
            self._flush()
            if self._lists:
                self._lists.pop()
            self.lines.append("")
        elif tag == "li":
            self._flush()
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_collapse("".join(self._cell)).replace("|", "/"))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self.lines.append("| " + " | ".join(self._row) + " |")
                if self._table_rows == 0:
                    self.lines.append("|" + "---|" * len(self._row))
                self._table_rows += 1
            self._row = None
        elif tag == "table":
            self._table_rows = 0
            self.lines.append("")
        elif tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._in_title:
            self.title += data
        else:
            self._text(data)

    def _text(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        else:
            self._buf.append(data)

    def _flush(self) -> None:
        if self._heading is not None:
            return
        text = "\n".join(_collapse(part) for part in "".join(self._buf).split("\n"))
        self._buf = []
        text = text.strip()
        if not text:
            return
        if self._lists:
            kind, count = self._lists[-1]
            indent = "  " * (len(self._lists) - 1)
            marker = f"{count}." if kind == "ol" else "-"
            self.lines.append(f"{indent}{marker} {text}")
        else:
            self.lines += [text, ""]

    def close(self) -> None:
        super().close()
        self._flush()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _parse_html(text: str, stem: str) -> dict[str, object]:
    parser = _HtmlToMarkdown()
    parser.feed(text)
    parser.close()
    meta: dict[str, object] = {k: v for k, v in parser.meta.items() if k in ("id", "category", "updated", "url")}
    title = parser.h1 or _collapse(parser.title)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(parser.lines)).strip()
    return {**meta, "title": title, "id": meta.get("id") or stem, "body": body}


def _parse_pdf(raw: bytes, stem: str) -> dict[str, object]:
    """PDF text via pypdf (optional dependency); the document title or first line is the title."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise DocumentError("PDF support needs the 'pypdf' package") from None
    pdf_log = logging.getLogger("pypdf")
    level = pdf_log.level
    pdf_log.setLevel(logging.CRITICAL)  # the reason is reported as a DocumentError instead
    try:
        reader = PdfReader(BytesIO(raw))
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        info_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from None
    finally:
        pdf_log.setLevel(level)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise DocumentError("no extractable text in the PDF (scanned image?)")
    title = str(info_title).strip()
    if not title:
        title = lines.pop(0).strip()
    elif lines[0].strip() == title:
        lines.pop(0)
    return {"title": title, "id": stem, "body": _plain_text_to_markdown(lines)}


def _build_article(fields: dict[str, object], source: str) -> Article:
    title = _collapse(str(fields.get("title") or ""))
    if not title:
        raise DocumentError("no title (add 'title:' front matter, a '# ' heading, <title>/<h1>, or a first line)")
    article_id = str(fields.get("id") or "").strip()
    if not _ID_RE.match(article_id):
        raise DocumentError(f"invalid article id {article_id!r}: use lowercase letters, digits, '-', '_' or '.'")
    body = str(fields.get("body") or "")
    if not _has_content(body):
        raise DocumentError("no text besides the title")
    url = str(fields["url"]).strip() if fields.get("url") else None
    if url and not re.match(r"^(https?://|/)", url):
        raise DocumentError(f"url {url!r} must start with http://, https:// or /")
    updated = str(fields["updated"]) if fields.get("updated") is not None else None
    category = _collapse(str(fields.get("category") or "")).lower() or DEFAULT_CATEGORY
    return Article(article_id, title, category, body, source, url=url, updated=updated)


def _has_content(body: str) -> bool:
    for line in body.splitlines():
        text = line.strip()
        if text and not text.startswith("#") and re.search(r"\w", text):
            return True
    return False
