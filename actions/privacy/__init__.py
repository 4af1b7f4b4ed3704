"""Privacy helpers shared by both servers: clean and redact what customers type.

Pure standard-library code that runs on Python 3.10 (the Rasa server imports it from
`channels/`) and 3.11 (the action server).
"""

from actions.privacy.text import MAX_MESSAGE_CHARS, clean_text

__all__ = ["MAX_MESSAGE_CHARS", "clean_text"]
