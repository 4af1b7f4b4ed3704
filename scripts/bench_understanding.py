"""Benchmark of language detection and of two requests in one message, on blind sets.

Runs in the Rasa environment (it loads the newest model in models/ in-process):
  .venv/rasa/bin/python scripts/bench_understanding.py [--set dev]

1. Language (components/language.py): tests/nlu/language/<set>.jsonl (non-English messages and
   tricky English) plus every message of the English blind NLU set. Prints how many English
   messages were wrongly flagged, and how many non-English ones were caught (and with the
   right language code).
2. Two requests (channels/split.py, with the model's own parses): tests/nlu/multi/<set>.jsonl.
   Prints how many two-request messages were split into both of their intents, and how many
   one-request messages were left whole.

`--set dev` scores the sets we tuned on; the default, `blind`, the ones we report (see
tests/nlu/README.md for how each was made).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def language(which: str) -> None:
    from components.language import LanguageGate

    gate = LanguageGate(LanguageGate.get_default_config())
    english = [(row["text"], "en") for path in sorted((ROOT / "tests/nlu/blind").glob("*.jsonl"))
               for row in _rows(path)]
    rows = english + [(row["text"], row["language"])
                      for row in _rows(ROOT / "tests/nlu/language" / f"{which}.jsonl")]
    flagged, caught, right_code, non_english, wrong = 0, 0, 0, 0, []
    started = time.perf_counter()
    for text, gold in rows:
        found = gate.detect(text)
        if gold == "en":
            if found:
                flagged += 1
                wrong.append(f"  English read as {found}: {text}")
        else:
            non_english += 1
            caught += found is not None
            right_code += found == gold
    elapsed = (time.perf_counter() - started) / len(rows) * 1000
    n_english = len(rows) - non_english
    print(f"language ({which}): English messages flagged as another language {flagged} of "
          f"{n_english} ({flagged / n_english:.1%}); non-English caught {caught} of {non_english} "
          f"({caught / non_english:.2f}), right language code {right_code}; {elapsed:.2f} ms a message")
    print("\n".join(wrong[:10]))


async def two_requests(which: str) -> None:
    from rasa.core.agent import Agent

    from channels.split import plan

    model = sorted((ROOT / "models").glob("*.tar.gz"))[-1]
    agent = Agent.load(str(model))
    rows = _rows(ROOT / "tests/nlu/multi" / f"{which}.jsonl")
    split_right = multi = whole = single = 0
    for row in rows:
        parts = await plan(row["text"], agent.parse_message)
        if len(row["intents"]) >= 2:
            multi += 1
            split_right += set(row["intents"]) <= {part.intent for part in parts}
        else:
            single += 1
            whole += not parts
    print(f"two requests ({which}, model {model.name}): both requests found in {split_right} of "
          f"{multi} two-request messages ({split_right / multi:.2f}); one-request messages left "
          f"whole {whole} of {single} ({whole / single:.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("blind", "dev"), default="blind")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import structlog  # Rasa's own log lines (one per parse) would bury the numbers

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    language(args.set)
    asyncio.run(two_requests(args.set))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
