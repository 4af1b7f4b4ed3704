"""The running assistant (action server + Rasa server) for the end-to-end conversation tests."""

from __future__ import annotations

import pytest

from tests.servers import Assistant, running_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    with running_assistant(tmp_path_factory.mktemp("assistant")) as bot:
        yield bot
