"""Extractive answers: the part of the best passage that answers the question, with its source.
No generation: every word comes from the help center.

Each quotable unit (sentence, list item, table row) is scored by

    UNIT_DENSE_WEIGHT * cosine(question, "<section>: <unit>") + rest * share of question words in it
    + a bonus when it has the kind of fact asked for (a duration for "how long", an amount
      for "how much", a range containing the number asked about)
    - a penalty for pointers to other articles ("see our article on ...")
    - PASSAGE_GAP_WEIGHT * how far its passage's relevance is below the best passage's.

The best unit's passage is quoted at the level of the passage: a section short enough is quoted
whole; otherwise the paragraph, list or table the best unit belongs to (with the line that
introduces it, and only the rows or items that score well when it is long), then other units
of the section scoring nearly as well, up to MAX_WORDS words in reading order. A list or table
is shown under its section heading.

A question in two parts ("how long does a refund take and do I get shipping back?") gets an
excerpt for each part, from the same passage or from two, each within half the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from actions.knowledge.citations import source_line
from actions.knowledge.config import DEFAULT_SCORE_THRESHOLD
from actions.knowledge.followups import QUESTION_WORDS, asked_part, with_context
from actions.knowledge.passages import Answer, Passage
from actions.knowledge.sparse import tokenize

if TYPE_CHECKING:
    from actions.knowledge.embedding import Embedder

NO_ANSWER_TEXT = "Sorry, I couldn't find an answer to that in our help center."
MAX_WORDS = 120
UNIT_DENSE_WEIGHT = 0.6
KEEP_MARGIN = 0.08  # further units of the passage are quoted when they score within this of the best
NEIGHBOUR_MARGIN = 0.15  # ... and the sentence before or after it within this
ROW_MARGIN = 0.1  # rows and items of a long list or table quoted with the best one
WHOLE_BLOCK_WORDS = 60  # a paragraph, list or table up to this long is quoted whole
SECOND_MARGIN = 0.08  # another passage's best unit scoring within this of the best is quoted too ...
MIN_SECOND_WORDS = 20  # ... when at least this many words of the budget are left
PASSAGE_GAP_WEIGHT = 0.5
PASSAGE_WINDOW = 0.3  # passages this close to the best one are searched for the answer sentence
FACT_BONUS = 0.08
POINTER_PENALTY = 0.15
CONTEXT_WEIGHT = 0.5  # weight of the previous message's words when answering a follow-up

MIN_PART_TERMS = 2  # content words each part of a two-part question needs
_PART_SPLIT_RE = re.compile(
    rf"(?<=\?)\s+|[,;]?\s+(?:and|also|plus)\s+(?=(?:also\s+)?(?:for\s+|in\s+|by\s+)?(?:{QUESTION_WORDS})\b)", re.I)
_ASKS_RE = re.compile(rf"^\W*(?:and|also|so|plus|but|or)?\s*(?:for\s+|in\s+|by\s+)?(?:{QUESTION_WORDS})\b", re.I)
_CLAUSE_ASKS_RE = re.compile(r"[,;:]\s*(?:how|what|when|where|which|who|why|can|could|do|does|is|are|will|would|"
                             r"should)\b", re.I)
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


def question_parts(question: str) -> list[str]:
    """The parts of a two-part question, or the question alone.

    Parts are separate question sentences ("How long do refunds take? Do you refund shipping?")
    or two questions joined by "and" / "also" ("how long does a refund take and do I get the
    shipping back"); each needs MIN_PART_TERMS content words. Sentences that don't ask ("I need
    20.") are left out; of more than two questions, the first two are answered.
    """
    pieces = [p.strip() for p in _PART_SPLIT_RE.split(question.strip()) if p and p.strip()]
    questions = [p for p in pieces if len(tokenize(p)) >= MIN_PART_TERMS and _asks(p)]
    if len(questions) < 2:
        return [question]
    return questions[:2]


def _asks(piece: str) -> bool:
    return piece.endswith("?") or bool(_ASKS_RE.match(piece) or _CLAUSE_ASKS_RE.search(piece))


def compose_extractive(
    question: str,
    passages: list[Passage],
    *,
    threshold: float = DEFAULT_SCORE_THRESHOLD,
    embedder: Embedder | None = None,
    previous_user_message: str | None = None,
    max_words: int = MAX_WORDS,
) -> Answer:
    """The answer quoted from the best passages at or above `threshold`, with its source line.

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
    parts = question_parts(question)
    budget = max_words // len(parts)
    excerpts: list[tuple[Passage, list[Unit]]] = []
    for part in parts:
        for passage, units in _excerpts(part, previous_user_message, candidates, good[0].score, embedder, budget):
            _merge(excerpts, passage, units)
    body = "\n\n".join(_render(passage, units) for passage, units in excerpts)
    sources = [passage for passage, _ in excerpts]
    return Answer(
        text=f"{body}\n\n{source_line(sources)}",
        sources=sources,
        mode="extractive",
        confidence=max(p.score for p in sources),
    )


def _merge(excerpts: list[tuple[Passage, list[Unit]]], passage: Passage, units: list[Unit]) -> None:
    """Add an excerpt; two from one passage become one, in reading order."""
    same = next((i for i, (p, _) in enumerate(excerpts) if p.id == passage.id), None)
    if same is None:
        excerpts.append((passage, units))
    else:
        merged = {u.position: u for u in excerpts[same][1] + units}
        excerpts[same] = (passage, [merged[k] for k in sorted(merged)])


def _excerpts(
    question: str,
    previous_user_message: str | None,
    candidates: list[tuple[Passage, Unit]],
    top_score: float,
    embedder: Embedder | None,
    budget: int,
) -> list[tuple[Passage, list[Unit]]]:
    """The passage whose unit best answers `question` and the units of it to quote; then, when
    words are left, the best unit of another passage scoring within SECOND_MARGIN, with its own.

    In a longer message the sentences that ask are what units are scored against, with the
    whole message as context."""
    asked = asked_part(question)
    if asked:
        scores = _unit_scores(asked, question, candidates, embedder)
    else:
        scores = _unit_scores(question, with_context(question, previous_user_message), candidates, embedder)
    scores = [s - PASSAGE_GAP_WEIGHT * (top_score - p.score) for s, (p, _) in zip(scores, candidates)]
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    passage, best = candidates[order[0]]
    own = [(u, s) for (p, u), s in zip(candidates, scores) if p.id == passage.id]
    chosen = [(passage, _choose_units(best, own, budget))]
    left = budget - sum(_words(u) for u in chosen[0][1])
    second = next((i for i in order if candidates[i][0].id != passage.id), None)
    if second is not None and left >= MIN_SECOND_WORDS and scores[second] >= scores[order[0]] - SECOND_MARGIN:
        other, unit = candidates[second]
        others = [(u, s) for (p, u), s in zip(candidates, scores) if p.id == other.id]
        units = _choose_units(unit, others, left)
        if sum(_words(u) for u in units) <= left:
            chosen.append((other, units))
    return chosen


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


def unit_texts(passages: list[Passage]) -> list[str]:
    """What gets embedded for each quotable unit of `passages` (to embed them ahead of questions)."""
    return [_unit_context(p, u) for p in passages for u in split_units(p.text)]


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


def _choose_units(best: Unit, own: list[tuple[Unit, float]], budget: int) -> list[Unit]:
    """The best unit with its paragraph, list or table, then near-best units of the same section."""
    total = sum(_words(u) for u, _ in own)
    if total <= budget:  # a short section is the answer as it stands
        return [u for u, _ in own]
    score_of = {u.position: s for u, s in own}
    by_position = {u.position: u for u, _ in own}
    best_score = score_of[best.position]
    chosen: list[Unit] = [best]

    def add(unit: Unit | None) -> None:
        if unit is not None and unit not in chosen and _fits(chosen, unit, budget):
            chosen.append(unit)

    block = [u for u, _ in own if u.block == best.block]
    intro = by_position.get(block[0].position - 1)
    if best.line:  # a list or table: the line introducing it, then its rows
        if intro is not None and intro.text.endswith(":"):
            add(intro)
        if sum(_words(u) for u in block) <= WHOLE_BLOCK_WORDS:
            rows = block
        else:
            rows = sorted((u for u in block if score_of[u.position] >= best_score - ROW_MARGIN),
                          key=lambda u: -score_of[u.position])
        for unit in rows:
            add(unit)
    elif best.text.endswith(":"):  # an introduction: quote what it introduces
        for position in range(best.position + 1, best.position + 1 + len(own)):
            unit = by_position.get(position)
            if unit is None or not unit.line:
                break
            add(unit)
    elif sum(_words(u) for u in block) <= WHOLE_BLOCK_WORDS:  # a short paragraph: all of it
        for unit in block:
            add(unit)
    else:
        for offset in (-1, 1):  # sentences of the paragraph that are nearly as relevant, or refer back
            neighbour = by_position.get(best.position + offset)
            if neighbour is None or neighbour.block != best.block:
                continue
            refers = _REFERS_BACK_RE.match(best.text if offset < 0 else neighbour.text)
            if refers or score_of[neighbour.position] >= best_score - NEIGHBOUR_MARGIN:
                add(neighbour)
    for unit, score in sorted(own, key=lambda item: -item[1]):
        if score >= best_score - KEEP_MARGIN and not unit.text.endswith(":"):
            add(unit)
    return sorted(chosen, key=lambda u: u.position)


def _words(unit: Unit) -> int:
    return len(unit.text.split())


def _fits(chosen: list[Unit], unit: Unit, budget: int) -> bool:
    return sum(_words(u) for u in chosen) + _words(unit) <= budget


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
