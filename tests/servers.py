"""Start the real assistant for end-to-end tests: the action server and the Rasa server, on loopback.

Both run on free ports with their own SQLite databases (ours and Rasa's tracker store) and Qdrant
folder, using the newest trained model in models/ (`make train` first), with the same tokens and
origins as `make run`: Rasa's HTTP API and REST channel need RASA_TOKEN, the action server's
/webhook needs ACTION_SERVER_TOKEN. Start-up takes about 30 s.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"  # for checks run inside the Rasa environment
ACTIONS, RASA_SERVER = 0, 1  # indices of the two servers in Assistant.processes

# Settings from the developer's shell that would point the servers at real services or accounts.
OUTSIDE_SETTINGS = ("ZENDESK_", "SLACK_", "TELEGRAM_", "WEBCHAT_", "LLM_MODEL_PATH", "LLM_BASE_URL",
                    "QDRANT_URL", "RASA_TOKEN", "ACTION_SERVER_TOKEN", "TRACKER_STORE_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited while starting:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout}s:\n{log.read_text()[-4000:]}")


@dataclass
class Assistant:
    """The running assistant, as a chat user (REST channel) and an operator (HTTP API) see it."""

    rasa_url: str
    actions_url: str
    env: dict
    workdir: Path
    processes: list = field(default_factory=lambda: [None, None])
    commands: list = field(default_factory=list)

    def start(self, which: int) -> None:
        """Start the action server (ACTIONS) or the Rasa server (RASA_SERVER) and wait until it answers."""
        name = ("actions", "rasa")[which]
        log = self.workdir / f"{name}.log"
        if log.exists():  # keep the log of an earlier run of this server
            log.rename(self.workdir / f"{name}.{time.monotonic_ns()}.log")
        self.processes[which] = _start(self.commands[which], self.env, log)
        url = (f"{self.actions_url}/health" if which == ACTIONS
               else f"{self.rasa_url}/status?token={self.rasa_token}")
        wait_until_up(url, self.processes[which], log)

    def stop(self, which: int) -> None:
        """Stop one server (as a crash or a deployment would), keeping its databases."""
        _stop([self.processes[which]])
        self.processes[which] = None

    def restart(self, which: int) -> None:
        self.stop(which)
        self.start(which)

    @property
    def rasa_token(self) -> str:
        return self.env["RASA_TOKEN"]

    def say(self, sender: str, text: str) -> list[dict]:
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": text}, timeout=120,
                                 headers={"Authorization": f"Bearer {self.rasa_token}"})
        response.raise_for_status()
        return response.json()

    def chat(self, sender: str, text: str) -> str:
        """Send one message and return everything the bot answered, as one string."""
        return "\n".join(m.get("text", "") for m in self.say(sender, text))

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call Rasa's HTTP API as an operator (with the auth token)."""
        params = {**kwargs.pop("params", {}), "token": self.rasa_token}
        return requests.request(method, f"{self.rasa_url}{path}", params=params, timeout=30, **kwargs)

    def tracker(self, sender: str) -> dict:
        """The tracker of a REST `sender`, or of a conversation id that names its channel."""
        response = self.api("GET", f"/conversations/{conversation_id(sender)}/tracker")
        response.raise_for_status()
        return response.json()

    def new_sender(self) -> str:
        return f"e2e-{uuid.uuid4().hex[:10]}"


def conversation_id(sender: str) -> str:
    """Rasa's conversation id for a REST sender; ids that already name a channel stay as they are."""
    return sender if ":" in sender else f"rest:{sender}"


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as handle:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def running_assistant(workdir: Path, settings: dict[str, str] | None = None) -> Iterator[Assistant]:
    """Seed, ingest and start both servers with `settings` added to the environment; stop them after."""
    if not any((ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` first")
    rasa_port, actions_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUTSIDE_SETTINGS)}
    env.update({
        "DATABASE_URL": f"sqlite:///{workdir / 'helpdesk.sqlite'}",
        "QDRANT_PATH": str(workdir / "qdrant"),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_TELEMETRY_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "HELPDESK_WARM_UP": "1",
        "HELP_CENTER_URL": f"http://127.0.0.1:{actions_port}/help/",
        "RASA_TOKEN": secrets.token_urlsafe(24),
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
        "WEBCHAT_ORIGINS": f"http://127.0.0.1:{actions_port},http://localhost:{actions_port}",
        "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.sqlite'}",
        **(settings or {}),
    })
    python = sys.executable
    subprocess.run([python, "-m", "actions.store.sample_orders"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-m", "actions.knowledge.ingest"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text((ROOT / "endpoints.yml").read_text().replace(
        "localhost:5055", f"127.0.0.1:{actions_port}"))
    bot = Assistant(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", env, workdir)
    bot.commands = [
        [python, "-m", "actions.server", "--port", str(actions_port)],
        [str(RASA), "run", "--enable-api", f"--auth-token={env['RASA_TOKEN']}",
         "--cors", *env["WEBCHAT_ORIGINS"].split(","),
         "--port", str(rasa_port), "--interface", "127.0.0.1", "--endpoints", str(endpoints),
         "--credentials", str(ROOT / "credentials.yml"), "--model", str(ROOT / "models")],
    ]
    try:
        bot.start(ACTIONS)
        bot.start(RASA_SERVER)
        yield bot
    finally:
        _stop([p for p in bot.processes if p is not None])


@contextmanager
def running_rasa_only(workdir: Path, settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start only the Rasa server (no action server, no API, no REST token); yield its URL.

    Its conversations go to a tracker store in `workdir`; no action endpoint is configured.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUTSIDE_SETTINGS)}
    env.update({"RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "RASA_TOKEN": "", "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.sqlite'}",
                **(settings or {})})
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: rasa_addons.tracker_store.RedactingSQLTrackerStore\n")
    log = workdir / "rasa.log"
    process = _start([str(RASA), "run", "--port", str(port), "--interface", "127.0.0.1",
                      "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml"),
                      "--model", str(ROOT / "models")], env, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/webhooks/rest/", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop([process])
