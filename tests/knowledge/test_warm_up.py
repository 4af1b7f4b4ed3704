"""The action server reports healthy only once its warm-up has loaded the knowledge base."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

from tests.servers import OUTSIDE_SETTINGS, ROOT, free_port


def test_health_says_warming_up_until_the_models_are_loaded(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUTSIDE_SETTINGS)}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'helpdesk.sqlite'}", "QDRANT_PATH": str(tmp_path / "qdrant"),
                "HELPDESK_WARM_UP": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "ACTION_SERVER_TOKEN": "warm-up-test-token", "LOG_LEVEL": "INFO"})
    subprocess.run([sys.executable, "-m", "actions.knowledge.ingest"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port, log = free_port(), tmp_path / "actions.log"
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    seen: list[tuple[int, dict]] = []
    try:
        deadline = time.monotonic() + 120
        while not (seen and seen[-1][0] == 200):
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"not healthy in time: {seen[-3:]}"
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                seen.append((response.status_code, response.json()))
                if response.status_code == 200:
                    ready_logged = "knowledge base ready" in log.read_text()
            except requests.RequestException:
                pass
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (503, {"status": "warming up"}) in seen  # the server was up before its models were
    assert {code for code, _ in seen} == {200, 503}
    assert ready_logged  # healthy only once the warm-up had finished
