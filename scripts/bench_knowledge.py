"""Benchmark help-center retrieval and extractive answers: hybrid vs dense-only vs BM25.

    .venv/actions/bin/python scripts/bench_knowledge.py [--sweep] [--threshold 0.47]

Ingests data/knowledge into a fresh Qdrant collection in a temporary folder (timed), then for
each question set in tests/eval/ prints, per method: recall@1/@3 and MRR over passages
(answerable questions), the share of extractive answers containing every expected fact,
refusal rate on unanswerable questions, false-refusal rate on answerable ones, and search
latency p50/p95. `--sweep` adds refusal / false-refusal / answer accuracy over thresholds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from actions.knowledge.answer import compose_extractive
from actions.knowledge.config import KnowledgeConfig
from actions.knowledge.embedding import get_embedder
from actions.knowledge.index import close_client, get_client
from actions.knowledge.ingest import ingest
from actions.knowledge.passages import Passage
from actions.knowledge.retrieval import Retriever

EVAL_DIR = REPO_ROOT / "tests" / "eval"
QUESTION_SETS = {
    "dev": EVAL_DIR / "kb_questions_dev.jsonl",
    "extra": EVAL_DIR / "kb_questions_extra.jsonl",
    "followups": EVAL_DIR / "kb_followups.jsonl",
}
METHODS = ("hybrid", "dense", "bm25")
RANK_DEPTH = 10


@dataclass
class Outcome:
    """One question's result for one method."""

    question: dict
    passages: list[Passage]
    rank: int | None  # 1-based rank of the first passage from the expected article
    refused: bool
    facts_ok: bool
    answer: str
    latency_ms: float


@dataclass
class MethodResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question["doc"]]

    def unanswerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question["doc"]]

    def metrics(self) -> dict[str, float]:
        ans, unans = self.answerable(), self.unanswerable()
        latencies = sorted(o.latency_ms for o in self.outcomes)
        return {
            "recall@1": _share(ans, lambda o: o.rank == 1),
            "recall@3": _share(ans, lambda o: o.rank is not None and o.rank <= 3),
            "MRR": statistics.fmean(1 / o.rank if o.rank else 0.0 for o in ans) if ans else float("nan"),
            "answer has facts": _share(ans, lambda o: o.facts_ok),
            "refusal (unanswerable)": _share(unans, lambda o: o.refused),
            "false refusal": _share(ans, lambda o: o.refused),
            "p50 ms": _percentile(latencies, 50),
            "p95 ms": _percentile(latencies, 95),
        }


def _share(items: list[Outcome], predicate) -> float:
    return sum(1 for o in items if predicate(o)) / len(items) if items else float("nan")


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(pct / 100 * (len(values) - 1))))
    return values[index]


def load_questions(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            if "q" not in row or "doc" not in row:
                raise ValueError(f"{path.name}:{n}: needs 'q' and 'doc'")
            row.setdefault("answer_contains", [])
            rows.append(row)
    return rows


def evaluate(retriever: Retriever, questions: list[dict], method: str, threshold: float, top_k: int) -> MethodResult:
    result = MethodResult()
    retriever.embedder.clear_cache()
    for row in questions:
        started = time.perf_counter()
        ranked = retriever.search(row["q"], context=row.get("context"), k=RANK_DEPTH, method=method)
        latency = (time.perf_counter() - started) * 1000
        answer = compose_extractive(
            row["q"],
            ranked[:top_k],
            threshold=threshold,
            embedder=retriever.embedder,
            previous_user_message=row.get("context"),
        )
        rank = next((i for i, p in enumerate(ranked, start=1) if p.article_id == row["doc"]), None)
        text = answer.text.lower()
        facts_ok = answer.found and all(fact.lower() in text for fact in row["answer_contains"])
        result.outcomes.append(Outcome(row, ranked, rank, not answer.found, facts_ok, answer.text, latency))
    return result


def print_table(name: str, results: dict[str, MethodResult], n_answerable: int, n_unanswerable: int) -> None:
    print(f"\n### {name} ({n_answerable} answerable, {n_unanswerable} unanswerable)\n")
    metrics = {method: result.metrics() for method, result in results.items()}
    header = "| metric | " + " | ".join(results) + " |"
    print(header)
    print("|---|" + "---:|" * len(results))
    for key in next(iter(metrics.values())):
        cells = []
        for method in results:
            value = metrics[method][key]
            cells.append(f"{value:.1f}" if key.endswith("ms") else f"{value:.2f}")
        print(f"| {key} | " + " | ".join(cells) + " |")


def print_sweep(name: str, result: MethodResult, retriever: Retriever, top_k: int) -> None:
    print(f"\nthreshold sweep, {name}, hybrid: threshold / refusal of unanswerable / false refusal / facts")
    for step in range(30, 66):
        threshold = step / 100
        refused_null = false_refusal = facts = 0
        for o in result.outcomes:
            answer = compose_extractive(
                o.question["q"],
                o.passages[:top_k],
                threshold=threshold,
                embedder=retriever.embedder,
                previous_user_message=o.question.get("context"),
            )
            if o.question["doc"] is None:
                refused_null += not answer.found
            else:
                false_refusal += not answer.found
                text = answer.text.lower()
                facts += answer.found and all(f.lower() in text for f in o.question["answer_contains"])
        n_null = len(result.unanswerable()) or 1
        n_ans = len(result.answerable()) or 1
        print(f"  {threshold:.2f}  {refused_null / n_null:.2f}  {false_refusal / n_ans:.2f}  {facts / n_ans:.2f}")


def print_failures(name: str, result: MethodResult) -> None:
    print(f"\nfailures, {name}, hybrid:")
    for o in result.outcomes:
        q = o.question
        wrong = (q["doc"] and (o.rank != 1 or not o.facts_ok)) or (not q["doc"] and not o.refused)
        if wrong:
            top = o.passages[0] if o.passages else None
            where = f"{top.id} ({top.score:.2f})" if top else "-"
            print(f"  - {q['q']!r} want={q['doc']} rank={o.rank} top={where}")
            print("      " + o.answer.replace("\n", " | ")[:220])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, help="relevance threshold (default: KNOWLEDGE_SCORE_THRESHOLD)")
    parser.add_argument("--sets", default=",".join(QUESTION_SETS), help="comma-separated: dev,extra,followups")
    parser.add_argument("--sweep", action="store_true", help="print a threshold sweep for the hybrid method")
    parser.add_argument("--failures", action="store_true", help="list wrong hybrid results")
    args = parser.parse_args(argv)

    base = KnowledgeConfig.from_env()
    threshold = base.score_threshold if args.threshold is None else args.threshold
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        config = KnowledgeConfig(
            knowledge_dir=base.knowledge_dir,
            qdrant_path=Path(tmp) / "qdrant",
            collection=f"bench_{int(time.time())}",
            embedding_model_path=base.embedding_model_path,
            score_threshold=threshold,
            top_k=base.top_k,
        )
        started = time.perf_counter()
        embedder = get_embedder(config.embedding_model_path)
        embedder.encode(["load the model"])
        model_seconds = time.perf_counter() - started
        report = ingest(config)
        retriever = Retriever(get_client(config), config.collection, embedder)
        retriever.corpus()
        print(
            f"model load: {model_seconds:.1f} s; ingestion: {report.seconds:.1f} s "
            f"({report.articles} articles, {report.added} passages); threshold {threshold:.2f}"
        )
        for name in args.sets.split(","):
            questions = load_questions(QUESTION_SETS[name])
            results = {method: evaluate(retriever, questions, method, threshold, config.top_k) for method in METHODS}
            n_ans = sum(1 for q in questions if q["doc"])
            print_table(name, results, n_ans, len(questions) - n_ans)
            if args.sweep:
                print_sweep(name, results["hybrid"], retriever, config.top_k)
            if args.failures:
                print_failures(name, results["hybrid"])
        close_client(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
