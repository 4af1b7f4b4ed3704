"""Short extractive answers: the sentences, list items or table rows of the best passage that
answer the question, followed by a source line. No generation: every word comes from the help center.

Each quotable unit (sentence, list item, table row) is scored by

    UNIT_DENSE_WEIGHT * cosine(question, "<section>: <unit>") + rest * share of question words in it
    + a bonus when it has the kind of fact asked for (a duration for "how long", an amount
      for "how much", a range containing the number asked about)
    - a penalty for pointers to other articles ("see our article on ...")
    - PASSAGE_GAP_WEIGHT * how far its passage's relevance is below the best passage's.

The best unit is quoted together with the sentence it refers back to ("This takes up to ..."),
the items it introduces ("To cancel within the window:"), and other units of the same passage
scoring nearly as well, up to MAX_UNITS units and MAX_WORDS words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from actions.knowledge.config import DEFAULT_SCORE_THRESHOLD
from actions.knowledge.followups import with_context
from actions.knowledge.passages import Answer, Passage
from actions.knowledge.sparse import tokenize

if TYPE_CHECKING:
    from actions.knowledge.embedding import Embedder

NO_ANSWER_TEXT = "Sorry, I couldn't find an answer to that in our help center."
MAX_UNITS = 3
MAX_WORDS = 75
UNIT_DENSE_WEIGHT = 0.6
KEEP_MARGIN = 0.06  # further units of the passage are quoted when they score within this of the best
NEIGHBOUR_MARGIN = 0.15  # ... and the sentence before or after it within this
PASSAGE_GAP_WEIGHT = 0.5
PASSAGE_WINDOW = 0.3  # passages this close to the best one are searched for the answer sentence
FACT_BONUS = 0.08
POINTER_PENALTY = 0.15
CONTEXT_WEIGHT = 0.5  # weight of the previous message's words when answering a follow-up

_LINE_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£$€])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "D.C.", "U.S.", "approx.", "No.")
_REFERS_BACK_RE = re.compile(
    r"^(?:it|it's|this|that|these|those|they|they're|there|then|so|but|however|also|each|otherwise|"
    r"in that case|after that|once confirmed|if so|if not|usually|depending)\b",
    re.I,
)
_POINTER_RE = re.compile(r"\b(?:see|read) our article\b|\bour article (?:on|about)\b|\barticle on\b", re.I)
_DURATION_Q = re.compile(
    r"\bhow (?:long|soon|quickly|fast)\b|\bhow many (?:days|hours|weeks|months|years|minutes)\b|"
    r"\bwhen (?:will|does|do|is|can|are)\b|\bexpire|\bvalid\b|\buntil\b|\btake\b",
    re.I,
)
_DURATION = re.compile(
    r"\b\d+(?:\s*[-–]\s*\d+)?\s*(?:business\s+)?(?:minutes?|hours?|days?|weeks?|months?|years?)\b|"
    r"\b\d+-(?:minute|hour|day|week|month|year)\b|\bnext business day\b|\bsame day\b|\bnever expire",
    re.I,
)
_AMOUNT_Q = re.compile(r"\bhow much\b|\bcosts?\b|\bprices?\b|\bfees?\b|\bminimum\b|\bspend\b|\bcharge\b", re.I)
_AMOUNT = re.compile(r"[$£€]\s?\d|\bCA\$|\d+(?:\.\d+)?\s?%|\bfree\b", re.I)
_COUNT_Q = re.compile(r"\bhow many\b|\bhow often\b|\bnumber of\b", re.I)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a passage: a sentence, a list item or a table row."""

    text: str
    position: int
    line: bool  # list item or table row (shown on its own line)
    block: int  # paragraph / list / table it belongs to


def split_units(text: str) -> list[Unit]:
    """Sentences of paragraphs, and each list item or table row, in reading order."""
    units: list[Unit] = []
    for block_index, block in enumerate(re.split(r"\n\s*\n", text)):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        line_block = len(lines) > 1 or bool(lines and _LINE_ITEM_RE.match(lines[0]))
        for line in lines:
            if line_block:
                units.append(Unit(line, len(units), True, block_index))
            else:
                for sentence in _sentences(line):
                    units.append(Unit(sentence, len(units), False, block_index))
    return units


def source_line(passage: Passage) -> str:
    """'Source: Return Policy (return-policy)', plus the article URL when it has one."""
    line = f"Source: {passage.title} ({passage.article_id})"
    return f"{line} – {passage.url}" if passage.url else line


def compose_extractive(
    question: str,
    passages: list[Passage],
    *,
    threshold: float = DEFAULT_SCORE_THRESHOLD,
    embedder: Embedder | None = None,
    previous_user_message: str | None = None,
    max_units: int = MAX_UNITS,
) -> Answer:
    """A 1-3 sentence (or row / item) answer from the best passages at or above `threshold`.

    `passages` carry their calibrated relevance as `score` (as returned by `Retriever.search`).
    Units are ranked by similarity to the question (cosine with `embedder` when given, plus
    word overlap); for a follow-up, `previous_user_message` adds context. When no passage
    reaches the threshold the answer has `mode="none"` and an honest text.
    """
    good = sorted((p for p in passages if p.score >= threshold), key=lambda p: -p.score)
    if not good or not question.strip():
        top = max((p.score for p in passages), default=0.0)
        return Answer(text=NO_ANSWER_TEXT, sources=[], mode="none", confidence=top)
    considered = [p for p in good if p.score >= good[0].score - PASSAGE_WINDOW]
    candidates = [(passage, unit) for passage in considered for unit in split_units(passage.text)]
    if not candidates:
        return Answer(text=NO_ANSWER_TEXT, sources=[], mode="none", confidence=good[0].score)
    scores = _unit_scores(question, with_context(question, previous_user_message), candidates, embedder)
    top_score = good[0].score
    scores = [s - PASSAGE_GAP_WEIGHT * (top_score - p.score) for s, (p, _) in zip(scores, candidates)]
    best_index = max(range(len(candidates)), key=lambda i: scores[i])
    passage = candidates[best_index][0]
    own = [(u, s) for (p, u), s in zip(candidates, scores) if p.id == passage.id]
    chosen = _choose_units(candidates[best_index][1], own, max_units)
    return Answer(
        text=f"{_render(passage, chosen)}\n\n{source_line(passage)}",
        sources=[passage],
        mode="extractive",
        confidence=passage.score,
    )


def _unit_scores(
    question: str, combined: str | None, candidates: list[tuple[Passage, Unit]], embedder: Embedder | None
) -> list[float]:
    question_terms = set(tokenize(question))
    context_terms = set(tokenize(combined)) - question_terms if combined else set()
    total = len(question_terms) + CONTEXT_WEIGHT * len(context_terms)
    wants_duration = bool(_DURATION_Q.search(question))
    wants_amount = bool(_AMOUNT_Q.search(combined or question))
    wants_count = bool(_COUNT_Q.search(question))
    numbers = [float(n) for n in _NUMBER.findall(question)]
    scores = []
    for passage, unit in candidates:
        unit_terms = set(tokenize(f"{passage.title} {passage.section} {unit.text}"))
        hits = len(question_terms & unit_terms) + CONTEXT_WEIGHT * len(context_terms & unit_terms)
        score = (1 - UNIT_DENSE_WEIGHT) * (hits / total if total else 0.0)
        if wants_duration and _DURATION.search(unit.text):
            score += FACT_BONUS
        if wants_amount and _AMOUNT.search(unit.text):
            score += FACT_BONUS
        if wants_count and _NUMBER.search(unit.text):
            score += FACT_BONUS / 2
        if numbers and _contains_number(unit.text, numbers):
            score += FACT_BONUS
        if _POINTER_RE.search(unit.text):
            score -= POINTER_PENALTY
        scores.append(score)
    if embedder is not None:
        queries = [question] + ([combined] if combined else [])
        vectors = embedder.encode_cached(queries + [_unit_context(p, u) for p, u in candidates])
        query_vectors, unit_vectors = vectors[: len(queries)], vectors[len(queries) :]
        cosines = (unit_vectors @ query_vectors.T).max(axis=1)
        scores = [s + UNIT_DENSE_WEIGHT * float(c) for s, c in zip(scores, cosines)]
    return scores


def _unit_context(passage: Passage, unit: Unit) -> str:
    """Units are embedded with the article title and section heading, which carry the topic."""
    head = f"{passage.title} – {passage.section}" if passage.section else passage.title
    return f"{head}: {unit.text}"


def _contains_number(text: str, numbers: list[float]) -> bool:
    """True when a range in the text ("39-41 in") contains a number from the question."""
    for low, high in _RANGE.findall(text):
        if any(float(low) <= n <= float(high) for n in numbers):
            return True
    return False


def _choose_units(best: Unit, own: list[tuple[Unit, float]], max_units: int) -> list[Unit]:
    """The best unit plus the context a reader needs, then near-best units of the same passage."""
    score_of = {u.position: s for u, s in own}
    by_position = {u.position: u for u, _ in own}
    best_score = score_of[best.position]
    chosen = [best]

    def add(unit: Unit | None) -> None:
        if unit is not None and unit not in chosen and len(chosen) < max_units and _fits(chosen, unit):
            chosen.append(unit)

    if best.text.endswith(":"):  # an introduction: quote what it introduces
        for position in range(best.position + 1, best.position + max_units):
            if position in by_position and by_position[position].line:
                add(by_position[position])
    elif best.line and _LINE_ITEM_RE.match(best.text) and best.text.lstrip()[0].isdigit():
        steps = [u for u, _ in own if u.block == best.block]  # a numbered step: quote the whole procedure
        if len(steps) <= max_units:
            for unit in steps:
                add(unit)
    for offset in (-1, 1):  # sentences of the same paragraph that are nearly as relevant, or refer back
        neighbour = by_position.get(best.position + offset)
        if neighbour is None or neighbour.block != best.block or neighbour.line or best.line:
            continue
        refers = _REFERS_BACK_RE.match(best.text if offset < 0 else neighbour.text)
        if refers or score_of[neighbour.position] >= best_score - NEIGHBOUR_MARGIN:
            add(neighbour)
    for unit, score in sorted(own, key=lambda item: -item[1]):
        if score >= best_score - KEEP_MARGIN and not unit.text.endswith(":"):
            add(unit)
    return sorted(chosen, key=lambda u: u.position)


def _fits(chosen: list[Unit], unit: Unit) -> bool:
    return sum(len(u.text.split()) for u in chosen) + len(unit.text.split()) <= MAX_WORDS


def _render(passage: Passage, units: list[Unit]) -> str:
    """Sentences run on in one paragraph; list items and table rows get a line each."""
    lines: list[str] = []
    previous_was_line = True
    for unit in units:
        if unit.line or previous_was_line:
            lines.append(unit.text)
        else:
            lines[-1] += " " + unit.text
        previous_was_line = unit.line
    if units[0].line and passage.section:  # a bare row or item needs its heading for context
        lines.insert(0, passage.section.split(" > ")[-1].rstrip("?:") + ":")
    return "\n".join(lines)


def _sentences(text: str) -> list[str]:
    protected = text
    for abbreviation in _ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\x00"))
    return [s.replace("\x00", ".").strip() for s in _SENTENCE_END_RE.split(protected) if s.strip()]
