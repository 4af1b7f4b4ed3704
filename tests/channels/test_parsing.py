"""One batched pass through the NLU graph (channels/parsing.py) reads each text as a parse alone does.

Run in the Rasa environment on the newest trained model: the splitter's pieces and the whole
message are parsed together, so the batch must not change any intent, confidence or entity
(padding in the featurizer's batch must not leak into the sentence vectors).
"""

from __future__ import annotations

import json
import subprocess

from tests.servers import RASA_PYTHON, ROOT


COMPARE = """
import asyncio, json, sys
from pathlib import Path
from rasa.core.agent import Agent
from channels.parsing import parse_many

texts = json.loads(sys.argv[1])
agent = Agent.load(str(sorted(Path("models").glob("*.tar.gz"))[-1]))

async def main():
    alone = [await agent.parse_message(text) for text in texts]
    batch = await parse_many(agent, texts)
    print(json.dumps({"alone": alone, "batch": batch}, default=str))

asyncio.run(main())
"""

TEXTS = [
    "Where is my order NW-482913? Also, how long do PayPal refunds take?",
    "Where is my order NW-482913?",
    "Also, how long do PayPal refunds take?",
    "hi",
    "it shipped already, can I still cancel it?",
    "my email is jo@example.com and I can't log in",
    "Hallo, ich möchte meine Bestellung stornieren.",
]


def test_a_batch_parses_each_text_as_alone() -> None:
    result = subprocess.run([str(RASA_PYTHON), "-c", COMPARE, json.dumps(TEXTS)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(data["batch"]) == len(TEXTS)
    for text, alone, batch in zip(TEXTS, data["alone"], data["batch"]):
        assert batch["text"] == text
        assert batch["intent"]["name"] == alone["intent"]["name"], text
        assert abs(batch["intent"]["confidence"] - alone["intent"]["confidence"]) < 1e-3, text
        assert [(e["entity"], e["value"]) for e in batch["entities"]] == \
            [(e["entity"], e["value"]) for e in alone["entities"]], text
    names = [row["intent"]["name"] for row in data["batch"]]
    assert names[1] == "track_order" and names[4] == "ask_knowledge" and names[6] == "other_language"
