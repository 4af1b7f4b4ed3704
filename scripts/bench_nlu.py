"""NLU benchmark: the trained model on the held-out set tests/nlu/holdout.yml (never trained on).

Prints accuracy, macro F1, per-intent precision/recall/F1 and the most common confusions.
Usage: python scripts/bench_nlu.py [--model models/] [--holdout tests/nlu/holdout.yml]
Run `make train` first; it evaluates the newest model in models/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--holdout", default=str(ROOT / "tests" / "nlu" / "holdout.yml"))
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-nlu-"))
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    started = time.perf_counter()
    result = subprocess.run([str(RASA), "test", "nlu", "--nlu", args.holdout, "--model", args.model,
                             "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        return result.returncode
    report = json.loads((out / "intent_report.json").read_text())
    errors = json.loads((out / "intent_errors.json").read_text()) if (out / "intent_errors.json").exists() else []
    print(f"held-out set: {args.holdout} ({report['weighted avg']['support']} messages), "
          f"evaluated in {time.perf_counter() - started:.1f} s")
    print(f"accuracy {report['accuracy']:.3f}   macro F1 {report['macro avg']['f1-score']:.3f}   "
          f"weighted F1 {report['weighted avg']['f1-score']:.3f}")
    print(f"\n{'intent':<26}{'precision':>10}{'recall':>9}{'f1':>8}{'n':>6}")
    for intent in sorted(k for k in report if k not in ("accuracy", "macro avg", "weighted avg", "micro avg")):
        row = report[intent]
        print(f"{intent:<26}{row['precision']:>10.3f}{row['recall']:>9.3f}{row['f1-score']:>8.3f}"
              f"{row['support']:>6}")
    confusions = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    if confusions:
        print("\nmost common confusions (expected -> predicted):")
        for (expected, predicted), count in confusions.most_common(10):
            print(f"  {count:>3}  {expected} -> {predicted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
