"""Make any incoming text safe to process, store and send on.

`clean_text` is applied once, where text enters the system (a channel, a webhook, a CLI), so
nothing downstream ever sees a lone UTF-16 surrogate (which cannot be encoded as UTF-8 and
used to make outbox rows fail forever), a NUL byte, or other control characters.
"""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 2000  # longest chat message we process; longer ones get a clear reply

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 control characters except tab and newline; carriage returns become newlines below.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: object) -> str:
    """`text` as a string that encodes to UTF-8: surrogates become U+FFFD, controls are dropped.

    Valid surrogate pairs (as a JSON decoder may leave them) are joined into their character
    first, so emoji survive. Unicode is normalised to NFC.
    """
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if _SURROGATE.search(value):
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        value = _SURROGATE.sub("\ufffd", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return unicodedata.normalize("NFC", value)
