"""NLU benchmark on the blind set, with the stock `rasa init` configuration as a baseline.

The blind set (tests/nlu/blind/*.jsonl, made as tests/nlu/blind/README.md says) was written by
people who never saw our training data; it is never trained on. The script:
1. scores the newest trained model in models/ on it (`rasa test nlu`);
2. trains the stock `rasa init` pipeline (scripts/stock_config.yml) on our own data/nlu and
   scores it on the same messages (skip with --no-baseline);
3. prints, side by side: macro accuracy (the mean of per-intent recall), accuracy, per-intent
   recall and F1, how many requests fell into `ask_knowledge` or `nlu_fallback` (both end in a
   help-center answer instead of the request), and the most common confusions.
`--set tests/nlu/holdout.yml` scores our own (not blind) held-out set instead.

Usage: python scripts/bench_nlu.py [--model models/] [--set FILE ...] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
BLIND = sorted((ROOT / "tests" / "nlu" / "blind").glob("*.jsonl"))
SINKS = ("ask_knowledge", "nlu_fallback")  # where a misread request ends up: a help-center answer
NOT_REQUESTS = {"ask_knowledge", "greet", "goodbye", "affirm", "deny", "thank", "bot_challenge",
                "inform", "stop", "chitchat", "out_of_scope", "not_helpful"}


def _env() -> dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
                HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def _yaml_set(files: list[Path], out: Path) -> Path:
    """The messages of `files` (JSONL, or one Rasa NLU YAML file) as one Rasa NLU YAML file."""
    if len(files) == 1 and files[0].suffix in (".yml", ".yaml"):
        return files[0]
    by_intent: dict[str, list[str]] = defaultdict(list)
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                by_intent[row["intent"]].append(row["text"])
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in sorted(by_intent.items()):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {' '.join(text.split())}" for text in texts]
    path = out / "evaluation.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(args: list[str]) -> None:
    result = subprocess.run([str(RASA), *args], cwd=ROOT, env=_env(), capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(result.returncode)


def _score(model: str, evaluation: Path, out: Path) -> dict:
    """`rasa test nlu` for one model: per-intent recall/F1 and each message's prediction."""
    _run(["test", "nlu", "--nlu", str(evaluation), "--model", model, "--out", str(out)])
    report = json.loads((out / "intent_report.json").read_text())
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    intents = sorted(k for k in report if k not in ("accuracy", "macro avg", "weighted avg",
                                                      "micro avg", "nlu_fallback"))
    intents = [i for i in intents if report[i]["support"]]
    sunk = sum(1 for e in errors if e["intent"] not in NOT_REQUESTS
               and e["intent_prediction"]["name"] in SINKS)
    requests = sum(report[i]["support"] for i in intents if i not in NOT_REQUESTS)
    return {"report": report, "intents": intents, "errors": errors, "sunk": sunk, "requests": requests,
            "macro_accuracy": sum(report[i]["recall"] for i in intents) / len(intents)}


def _baseline(work: Path) -> str:
    """Train the stock pipeline on our NLU data (NLU only) and return the model's path."""
    _run(["train", "nlu", "--config", str(ROOT / "scripts" / "stock_config.yml"), "--nlu",
          str(ROOT / "data" / "nlu"), "--out", str(work), "--fixed-model-name", "stock-baseline"])
    return str(work / "stock-baseline.tar.gz")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--set", nargs="*", type=Path, default=BLIND, help="JSONL or YAML files")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-nlu-"))
    files = [f.resolve() for f in args.set]
    evaluation = _yaml_set(files, work)
    started = time.perf_counter()
    ours = _score(args.model, evaluation, work / "ours")
    print(f"set: {', '.join(str(f.relative_to(ROOT)) for f in files)} "
          f"({int(ours['report']['weighted avg']['support'])} messages); ours scored in "
          f"{time.perf_counter() - started:.0f} s")
    stock = None
    if not args.no_baseline:
        started = time.perf_counter()
        stock = _score(_baseline(work), evaluation, work / "stock")
        print(f"stock `rasa init` pipeline trained on data/nlu and scored in "
              f"{time.perf_counter() - started:.0f} s")
    columns = [("ours", ours)] + ([("stock", stock)] if stock else [])
    print()
    for name, result in columns:
        report = result["report"]
        print(f"{name:<6} macro accuracy {result['macro_accuracy']:.3f}   accuracy "
              f"{report['accuracy']:.3f}   macro F1 {report['macro avg']['f1-score']:.3f}   "
              f"requests read as ask_knowledge/nlu_fallback: {result['sunk']} of {result['requests']}")
    header = "".join(f"{name + ' recall':>13}{name + ' F1':>10}" for name, _ in columns)
    print(f"\n{'intent':<26}{'n':>4}{header}")
    for intent in ours["intents"]:
        row = f"{intent:<26}{int(ours['report'][intent]['support']):>4}"
        for _, result in columns:
            values = result["report"].get(intent, {"recall": 0.0, "f1-score": 0.0})
            row += f"{values['recall']:>13.3f}{values['f1-score']:>10.3f}"
        print(row)
    confusions = Counter((e["intent"], e["intent_prediction"]["name"]) for e in ours["errors"])
    if confusions:
        print("\nours, most common confusions (expected -> predicted):")
        for (expected, predicted), n in confusions.most_common(12):
            print(f"  {n:>3}  {expected} -> {predicted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
