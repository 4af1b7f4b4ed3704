"""Loading Markdown, text, HTML and PDF articles; bad files are reported with a reason and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.knowledge.chunking import split_article
from actions.knowledge.documents import load_article, load_directory

MARKDOWN = """---
id: bike-rentals
title: Bike Rentals
category: Services
updated: 2026-09-01
url: https://help.example.com/bike-rentals
---
# Bike Rentals

Rent a bike at any store.

## Prices

| Region | Daily price |
|---|---|
| United States | $25 |
| United Kingdom | £20 |

## How to book

1. Open **Account > Rentals**.
2. Pick a *date* and a [store](https://example.com/stores).
"""

TEXT = """Canoe Storage

We store canoes over winter.

OPENING TIMES

The storage barn is open on Saturdays from 9:00 to 13:00.

WHAT IT COSTS (FEES)

Storage costs $40 per canoe per season.
"""

HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Gear Swap | Northwind Help</title>
<meta name="id" content="gear-swap"><meta name="category" content="events">
<style>body { color: red; }</style></head>
<body><nav>Home &gt; Help</nav>
<h1>Gear Swap &amp; Sale</h1>
<p>Twice a year we host a gear swap.</p>
<h2>Dates</h2>
<ul><li>Spring: the first Saturday of <strong>April</strong></li><li>Autumn: the first Saturday of October</li></ul>
<h2>Fees</h2>
<table><tr><th>Seller type</th><th>Fee</th></tr><tr><td>Members</td><td>Free</td></tr><tr><td>Others</td><td>$5</td></tr></table>
<script>alert("x")</script>
</body></html>
"""


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_front_matter_and_sections(tmp_path):
    article = load_article(write(tmp_path, "rentals.md", MARKDOWN), tmp_path)
    assert (article.id, article.title, article.category) == ("bike-rentals", "Bike Rentals", "services")
    assert article.url == "https://help.example.com/bike-rentals"
    assert article.updated == "2026-09-01"
    passages = split_article(article)
    assert [p.section for p in passages] == ["", "Prices", "How to book"]
    assert [p.id for p in passages] == ["bike-rentals#intro", "bike-rentals#prices", "bike-rentals#how-to-book"]
    prices = passages[1]
    assert prices.text == "United States – Daily price: $25\nUnited Kingdom – Daily price: £20"
    assert passages[2].text == "1. Open Account > Rentals.\n2. Pick a date and a store (https://example.com/stores)."
    assert all(p.title == "Bike Rentals" and p.url == article.url for p in passages)


def test_markdown_without_front_matter_uses_heading_and_file_name(tmp_path):
    article = load_article(write(tmp_path, "kayak-care.md", "# Kayak Care\n\nRinse with fresh water.\n"), tmp_path)
    assert (article.id, article.title, article.category) == ("kayak-care", "Kayak Care", "general")


def test_text_file_first_line_is_title_and_caps_lines_are_headings(tmp_path):
    article = load_article(write(tmp_path, "canoe-storage.txt", TEXT), tmp_path)
    assert (article.id, article.title) == ("canoe-storage", "Canoe Storage")
    passages = split_article(article)
    assert [p.section for p in passages] == ["", "Opening times", "What it costs (FEES)"]
    assert "Saturdays from 9:00 to 13:00" in passages[1].text


def test_html_title_meta_lists_and_tables(tmp_path):
    article = load_article(write(tmp_path, "swap.html", HTML), tmp_path)
    assert (article.id, article.title, article.category) == ("gear-swap", "Gear Swap & Sale", "events")
    passages = split_article(article)
    assert [p.section for p in passages] == ["", "Dates", "Fees"]
    assert passages[1].text == "- Spring: the first Saturday of April\n- Autumn: the first Saturday of October"
    assert passages[2].text == "Members – Fee: Free\nOthers – Fee: $5"
    assert not any("alert" in p.text or "Home" in p.text for p in passages)


def test_multi_column_table_rows_name_their_columns(tmp_path):
    md = "# Fees\n\n## Shipping\n\n| Region | Method | Price |\n|---|---|---|\n| Canada | Express | CA$24.95 |\n"
    passage = split_article(load_article(write(tmp_path, "fees.md", md), tmp_path))[0]
    assert passage.text == "Canada – Method: Express; Price: CA$24.95"


def test_long_sections_are_split_into_parts(tmp_path):
    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(6))
    passages = split_article(load_article(write(tmp_path, "long.md", f"# Long\n\n## Part\n\n{paragraphs}\n"), tmp_path))
    assert len(passages) > 1
    assert len({p.id for p in passages}) == len(passages)
    assert all(len(p.text.split()) <= 200 for p in passages)


def test_pdf_text_is_loaded(tmp_path):
    pytest.importorskip("pypdf")
    pdf = make_pdf(["Bike Rental Guide", "RENTAL PERIODS", "Bikes can be rented for up to 7 days."])
    article = load_article(write(tmp_path, "bike-guide.pdf", pdf), tmp_path)
    assert (article.id, article.title) == ("bike-guide", "Bike Rental Guide")
    passage = split_article(article)[0]
    assert passage.section == "Rental periods" and "up to 7 days" in passage.text


def test_bad_files_are_reported_by_name_and_skipped(tmp_path):
    write(tmp_path, "a-good.md", MARKDOWN)
    write(tmp_path, "empty.md", "  \n\n")
    write(tmp_path, "binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(tmp_path, "latin1.md", "---\ntitle: Caf\xe9\n---\nCr\xe8me br\xfbl\xe9e.\n".encode("latin-1"))
    write(tmp_path, "no-title.md", "Just some text without any heading.\n")
    write(tmp_path, "bad-yaml.md", "---\ntitle: [unclosed\n---\nText.\n")
    write(tmp_path, "only-title.md", "---\ntitle: Lonely\n---\n# Lonely\n")
    write(tmp_path, "b-copy.md", MARKDOWN)  # same id as a-good.md
    write(tmp_path, "broken.pdf", b"%PDF-1.4\nnot really a pdf")
    write(tmp_path, "notes.docx", b"PK\x03\x04")
    write(tmp_path, ".DS_Store", b"\x00\x01")

    articles, skipped = load_directory(tmp_path)

    assert [a.source for a in articles] == ["a-good.md"]
    reasons = {item.path: item.reason for item in skipped}
    assert set(reasons) == {
        "empty.md", "binary.md", "latin1.md", "no-title.md", "bad-yaml.md", "only-title.md", "b-copy.md",
        "broken.pdf", "notes.docx",
    }  # fmt: skip
    assert reasons["empty.md"] == "empty file"
    assert "binary" in reasons["binary.md"]
    assert "UTF-8" in reasons["latin1.md"]
    assert "no title" in reasons["no-title.md"]
    assert "front matter" in reasons["bad-yaml.md"]
    assert "no text" in reasons["only-title.md"]
    assert "duplicate article id 'bike-rentals' (already used by a-good.md)" in reasons["b-copy.md"]
    assert "PDF" in reasons["broken.pdf"]
    assert "unsupported" in reasons["notes.docx"]


def test_invalid_article_id_is_rejected(tmp_path):
    write(tmp_path, "x.md", "---\nid: Return Policy!\ntitle: Returns\n---\nText.\n")
    articles, skipped = load_directory(tmp_path)
    assert not articles and "invalid article id" in skipped[0].reason


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with one line of Helvetica text per entry."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
