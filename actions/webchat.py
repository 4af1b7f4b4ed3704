"""What the action server shows a browser: the chat widget, a demo store page and help articles.

- `/webchat/widget.js` and `/webchat/vendor/`: the widget and its vendored socket.io client.
- `/webchat/`: the Northwind demo page embedding the widget (`/` redirects there). The embed
  points the browser at WEBCHAT_RASA_URL, else RASA_URL, else http://127.0.0.1:5005.
- `/help/<article id>`: a help-center article rendered from its Markdown (headings, lists,
  tables, links; raw HTML in an article is shown as text, and `javascript:` links are dropped),
  so the demo's source links open (set HELP_CENTER_URL to your real help center in
  production); `/help/` lists the articles.

All of these are public (see `actions.security.access`).
"""

from __future__ import annotations

import html
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.request import Request

from actions.paths import REPO_ROOT

WEBCHAT_DIR = REPO_ROOT / "webchat"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"

# Help pages share the demo store's look (webchat/index.html): its header, colours and type.
HELP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Northwind Outfitters help</title>
<style>
body{{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2a22;background:#faf8f3}}
header{{background:#1f3d27;color:#fff;padding:14px 32px;display:flex;flex-wrap:wrap;align-items:center;gap:8px 32px}}
header .brand{{font-size:22px;font-weight:700;margin:0;letter-spacing:.5px;color:#fff;text-decoration:none}}
header nav a{{color:#d9e7dc;text-decoration:none;margin-right:18px}}
main{{max-width:760px;margin:0 auto;padding:24px 20px 64px}}
article,.list{{background:#fff;border:1px solid #e4dfd3;border-radius:10px;padding:8px 24px 16px}}
a{{color:#2f5d3a}}h1{{font-size:28px;margin:12px 0 16px}}
table{{border-collapse:collapse;display:block;overflow-x:auto;margin:12px 0}}
th,td{{border:1px solid #e4dfd3;padding:6px 10px;text-align:left;vertical-align:top}}th{{background:#f1efe8}}
.list li{{margin:6px 0}}
</style></head>
<body><header><a class="brand" href="/webchat/">Northwind Outfitters</a>
<nav><a href="/webchat/">Shop</a><a href="/help/">Help center</a></nav></header>
<main><h1>{title}</h1>
{body}
</main></body></html>
"""


def rasa_url_for_browsers() -> str:
    """The Rasa address the widget on the demo page connects to."""
    return (os.environ.get("WEBCHAT_RASA_URL") or os.environ.get("RASA_URL") or DEFAULT_RASA_URL).rstrip("/")


def demo_page() -> str:
    page = (WEBCHAT_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace("__RASA_URL__", html.escape(rasa_url_for_browsers(), quote=True))


def article_page(article_id: str, knowledge_dir: Path) -> str | None:
    """The article with this id as an HTML page, or None when there is none."""
    from actions.knowledge.documents import load_directory

    articles, _ = load_directory(knowledge_dir)
    article = next((a for a in articles if a.id == article_id), None)
    if article is None:
        return None
    body = article.body.split("\n", 1)[1] if article.body.startswith("# ") else article.body
    return HELP_PAGE.format(title=html.escape(article.title),
                            body=f"<article>{render_markdown(body.strip())}</article>")


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt  # only when a help page is first shown

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str) -> str:
    """Markdown as safe HTML: CommonMark plus tables, raw HTML escaped, unsafe links dropped."""
    return _markdown().render(text)


def index_page(knowledge_dir: Path) -> str | None:
    """A plain list of the help articles, or None when there are none."""
    from urllib.parse import quote

    from actions.knowledge.documents import load_directory

    articles, _ = load_directory(knowledge_dir)
    if not articles:
        return None
    items = "\n".join(
        f'<li><a href="/help/{html.escape(quote(a.id, safe=""), quote=True)}">{html.escape(a.title)}</a></li>'
        for a in sorted(articles, key=lambda a: a.title.lower()))
    return HELP_PAGE.format(title="Help center", body=f'<ul class="list">\n{items}\n</ul>')


def add_webchat_routes(app: Sanic) -> None:
    app.static("/webchat/widget.js", WEBCHAT_DIR / "widget.js", name="webchat_widget",
               content_type="text/javascript; charset=utf-8")
    app.static("/webchat/vendor", WEBCHAT_DIR / "vendor", name="webchat_vendor")

    @app.get("/", name="webchat_root")
    async def _root(request: Request) -> response.HTTPResponse:
        return response.redirect("/webchat/")

    @app.get("/webchat", name="webchat_no_slash")
    async def _no_slash(request: Request) -> response.HTTPResponse:
        return response.redirect("/webchat/")

    @app.get("/webchat/", name="webchat_demo", strict_slashes=True)
    async def _demo(request: Request) -> response.HTTPResponse:
        return response.html(demo_page(), headers={"Cache-Control": "no-cache"})

    @app.get("/help/", name="help_index", strict_slashes=True)
    async def _index(request: Request) -> response.HTTPResponse:
        from actions.knowledge.config import KnowledgeConfig

        try:
            page = index_page(KnowledgeConfig.from_env().knowledge_dir)
        except (OSError, ValueError):
            page = None
        if page is None:
            return response.html("<h1>No help articles</h1>", status=404)
        return response.html(page)

    @app.get("/help/<article_id:str>", name="help_article")
    async def _article(request: Request, article_id: str) -> response.HTTPResponse:
        from actions.knowledge.config import KnowledgeConfig

        page = article_page(article_id, KnowledgeConfig.from_env().knowledge_dir)
        if page is None:
            return response.html("<h1>No such help article</h1>", status=404)
        return response.html(page)
