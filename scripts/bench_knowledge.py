"""Benchmark help-center answers: retrieval, the answer the service gives, and the REST turn.

    .venv/actions/bin/python scripts/bench_knowledge.py [--sets dev,extra,blind] [--rest] [--sweep]

Ingests data/knowledge into a fresh Qdrant collection in a temporary folder (timed). For each
question set in tests/eval/ it prints, per retrieval method: recall@1/@3 and MRR (answerable
questions), the share whose expected facts are all in the top 3 passages and in the answer
(`KnowledgeService.answer`, the path the assistant takes), the refusal rate on unanswerable
questions, the false-refusal rate on answerable ones, and latency p50/p95 of the answer.

`--rest` also starts the assistant (action server + Rasa server, as the end-to-end tests do)
and sends every question as a new conversation through the REST channel: facts in what the
customer reads (from the help center or a fixed reply), answerable questions that got neither
facts nor a cited article, unanswerable ones declined (no cited article), and the turn's
p50/p95, including the first question after start. `--sweep` adds refusal / false refusal / facts over thresholds.

tests/eval/kb_questions_blind.jsonl was written by writers who never saw the code, the training
data or the other sets (see tests/eval/README.md): report it, don't tune on it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from actions.knowledge.answer import unit_texts
from actions.knowledge.config import KnowledgeConfig
from actions.knowledge.embedding import get_embedder
from actions.knowledge.index import close_client, get_client
from actions.knowledge.ingest import ingest
from actions.knowledge.passages import Passage
from actions.knowledge.retrieval import Retriever
from actions.knowledge.service import KnowledgeService

EVAL_DIR = REPO_ROOT / "tests" / "eval"
QUESTION_SETS = {
    "dev": EVAL_DIR / "kb_questions_dev.jsonl",
    "extra": EVAL_DIR / "kb_questions_extra.jsonl",
    "followups": EVAL_DIR / "kb_followups.jsonl",
    "dev2": EVAL_DIR / "kb_questions_dev2.jsonl",
    "dev3": EVAL_DIR / "kb_questions_dev3.jsonl",
    "blind": EVAL_DIR / "kb_questions_blind.jsonl",
}
METHODS = ("hybrid", "dense", "bm25")
RANK_DEPTH = 10
PASSAGE_DEPTH = 3  # "facts in passages": the expected facts all occur in the top 3 passages


@dataclass
class Outcome:
    """One question's result for one method."""

    question: dict
    passages: list[Passage]
    rank: int | None  # 1-based rank of the first passage from the expected article
    refused: bool
    facts_ok: bool
    passage_facts_ok: bool
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
            "passages have facts": _share(ans, lambda o: o.passage_facts_ok),
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


def has_facts(text: str, facts: list[str]) -> bool:
    lowered = text.lower()
    return all(fact.lower() in lowered for fact in facts)


class _Ranked(KnowledgeService):
    """The service with one retrieval method, so methods can be compared on the same answer path."""

    def __init__(self, config: KnowledgeConfig, retriever: Retriever, method: str) -> None:
        super().__init__(config)
        self._retriever = retriever
        self.method = method

    def search(self, question: str, previous_user_message: str | None = None, k: int | None = None) -> list[Passage]:
        k = k or self.config.top_k
        return self.retriever.search(question, context=previous_user_message, k=k, method=self.method)


def evaluate(service: _Ranked, questions: list[dict]) -> MethodResult:
    result = MethodResult()
    service.embedder.clear_cache()
    for row in questions:
        started = time.perf_counter()
        answer = service.answer(row["q"], row.get("context"))
        latency = (time.perf_counter() - started) * 1000
        ranked = service.search(row["q"], row.get("context"), RANK_DEPTH)
        rank = next((i for i, p in enumerate(ranked, start=1) if p.article_id == row["doc"]), None)
        passages_text = "\n".join(f"{p.title} {p.section} {p.text}" for p in ranked[:PASSAGE_DEPTH])
        facts_ok = answer.found and has_facts(answer.text, row["answer_contains"])
        result.outcomes.append(Outcome(row, ranked, rank, not answer.found, facts_ok,
                                       has_facts(passages_text, row["answer_contains"]), answer.text, latency))
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


def print_sweep(name: str, service: _Ranked, questions: list[dict]) -> None:
    print(f"\nthreshold sweep, {name}, hybrid: threshold / refusal of unanswerable / false refusal / facts")
    base = service.config
    for step in range(30, 66, 2):
        service.config = replace(base, score_threshold=step / 100)
        result = evaluate(service, questions)
        m = result.metrics()
        print(f"  {step / 100:.2f}  {m['refusal (unanswerable)']:.2f}  {m['false refusal']:.2f}  {m['answer has facts']:.2f}")
    service.config = base


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rest_benchmark(sets: list[str], show_failures: bool = False) -> None:
    """Every question as a new REST conversation with the running assistant, as customers send them."""
    from tests.servers import running_assistant

    with tempfile.TemporaryDirectory(prefix="kb-rest-") as tmp, running_assistant(Path(tmp)) as bot:
        first = True
        for name in sets:
            questions = load_questions(QUESTION_SETS[name])
            latencies, facts, refused_null, false_refusals = [], 0, 0, 0
            first_ms, misses = None, []
            cpu_before = [_cpu_seconds(process.pid) for process in bot.processes]
            for row in questions:
                sender = f"bench-{uuid.uuid4().hex[:10]}"
                if row.get("context"):
                    bot.chat(sender, row["context"])
                started = time.perf_counter()
                reply = bot.chat(sender, row["q"])
                elapsed = (time.perf_counter() - started) * 1000
                if first:
                    first_ms, first = elapsed, False
                latencies.append(elapsed)
                cited = "Source:" in reply or "Sources:" in reply
                if row["doc"]:
                    found = has_facts(reply, row["answer_contains"])
                    facts += found
                    false_refusals += not found and not cited
                else:
                    refused_null += not cited
                if (not found) if row["doc"] else cited:
                    misses.append(f"  - {row['q']!r} want={row['doc']} {elapsed:.0f} ms\n"
                                  f"      {reply.replace(chr(10), ' | ')[:220]}")
            latencies.sort()
            cpu_ms = [(_cpu_seconds(process.pid) - before) * 1000 / len(questions)
                      for process, before in zip(bot.processes, cpu_before)]
            n_ans = sum(1 for q in questions if q["doc"]) or 1
            n_null = (len(questions) - sum(1 for q in questions if q["doc"])) or 1
            print(f"\n### {name} through REST ({len(questions)} questions, each a new conversation)\n")
            print("| metric | value |\n|---|---:|")
            print(f"| reply has facts (answerable) | {facts / n_ans:.2f} |")
            print(f"| no cited answer and no facts (answerable) | {false_refusals / n_ans:.2f} |")
            print(f"| declined (unanswerable) | {refused_null / n_null:.2f} |")
            print(f"| turn p50 ms | {_percentile(latencies, 50):.1f} |")
            print(f"| turn p95 ms | {_percentile(latencies, 95):.1f} |")
            print(f"| CPU per turn, action server / Rasa server, ms | {cpu_ms[0]:.0f} / {cpu_ms[1]:.0f} |")
            if first_ms is not None:
                print(f"| first question after start, ms | {first_ms:.1f} |")
            if show_failures:
                print(f"\nfailures, {name}, through REST:", *misses, sep="\n")


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
    parser.add_argument("--sets", default=",".join(QUESTION_SETS), help="comma-separated: " + ",".join(QUESTION_SETS))
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated: " + ",".join(METHODS))
    parser.add_argument("--sweep", action="store_true", help="print a threshold sweep for the hybrid method")
    parser.add_argument("--failures", action="store_true", help="list wrong results (hybrid, and REST)")
    parser.add_argument("--rest", action="store_true", help="also measure turns through the running assistant")
    args = parser.parse_args(argv)
    sets = args.sets.split(",")

    base = KnowledgeConfig.from_env()
    threshold = base.score_threshold if args.threshold is None else args.threshold
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        config = replace(base, qdrant_path=Path(tmp) / "qdrant", qdrant_url=None,
                         collection=f"bench_{int(time.time())}", score_threshold=threshold)
        started = time.perf_counter()
        embedder = get_embedder(config.embedding_model_path)
        embedder.encode(["load the model"])
        model_seconds = time.perf_counter() - started
        report = ingest(config)
        retriever = Retriever(get_client(config), config.collection, embedder)
        embedder.pin(unit_texts(retriever.corpus().passages))  # as the action server's warm-up does
        print(
            f"model load: {model_seconds:.1f} s; ingestion: {report.seconds:.1f} s "
            f"({report.articles} articles, {report.added} passages); threshold {threshold:.2f}"
        )
        for name in sets:
            questions = load_questions(QUESTION_SETS[name])
            services = {m: _Ranked(config, retriever, m) for m in args.methods.split(",")}
            results = {m: evaluate(service, questions) for m, service in services.items()}
            n_ans = sum(1 for q in questions if q["doc"])
            print_table(name, results, n_ans, len(questions) - n_ans)
            if args.sweep and "hybrid" in services:
                print_sweep(name, services["hybrid"], questions)
            if args.failures and "hybrid" in results:
                print_failures(name, results["hybrid"])
        close_client(config)
    if args.rest:
        rest_benchmark(sets, args.failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
