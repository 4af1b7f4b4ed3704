"""The compiled check of the action server's replies (rasa_addons/action_results.py) judges as Rasa's does.

Run in the Rasa environment: importing `rasa_addons` (as the Rasa server does for the tracker
store) must install the check, which must accept and refuse exactly what `jsonschema.validate`
with Rasa's schema accepts and refuses, with Rasa's error wording.
"""

from __future__ import annotations

import json
import subprocess

from tests.servers import RASA_PYTHON, ROOT


JUDGE = """
import json, sys
from jsonschema import ValidationError, validate
import rasa_addons
from rasa.core.actions.action import RemoteAction
from rasa_addons.action_results import validate_action_result

action = RemoteAction("action_answer_knowledge", None)
verdicts = []
for reply in json.loads(sys.argv[1]):
    try:
        validate(reply, RemoteAction.action_response_format_spec())
        stock = "ok"
    except ValidationError:
        stock = "refused"
    try:
        ours = "ok" if action._validate_action_result(reply) else "false"
        message = ""
    except ValidationError as error:
        ours, message = "refused", error.message
    verdicts.append([stock, ours, message])
print(json.dumps({"installed": RemoteAction._validate_action_result is validate_action_result,
                  "verdicts": verdicts}))
"""

REPLIES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "pending_offer", "value": None}],
     "responses": [{"text": "Shipped orders can't be cancelled.", "buttons": [], "elements": [],
                    "custom": {}, "template": None, "response": None, "image": None, "attachment": None}]},
    {"events": [{"event": "followup", "name": "order_form"}], "responses": [{"response": "utter_offer_request"}]},
    {"events": "not a list", "responses": []},
    {"events": [{"name": "no event type"}], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": "nope"},
    {"events": [{"event": "not_an_event"}], "responses": []},
    ["not", "an", "object"],
]


def test_replies_are_judged_as_rasa_judges_them() -> None:
    result = subprocess.run([str(RASA_PYTHON), "-c", JUDGE, json.dumps(REPLIES)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["installed"]
    verdicts = data["verdicts"]
    assert [stock for stock, _, _ in verdicts] == [ours for _, ours, _ in verdicts]
    assert [ours for _, ours, _ in verdicts][:3] == ["ok", "ok", "ok"]
    assert "refused" in [ours for _, ours, _ in verdicts]
    for _, ours, message in verdicts:
        if ours == "refused":
            assert "Failed to validate Action server response" in message
