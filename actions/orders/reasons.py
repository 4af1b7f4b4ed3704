"""Whether a return request already says why ("the boots are too small"), so the form that
needs a reason takes it from there instead of asking again."""

from __future__ import annotations

import re

_REASON = re.compile(
    r"\b(?:too\s+(?:small|big|large|tight|loose|short|long|narrow|wide|heavy)|"
    r"(?:doesn'?t|does\s+not|don'?t|didn'?t|did\s+not|won'?t)\s+(?:fit|work|like)|"
    r"wrong\s+(?:size|colou?r|item|model|one)|damaged|broken|broke|defective|faulty|ripped|torn|"
    r"leak(?:s|ing|y)?|fell\s+apart|falling\s+apart|changed\s+my\s+mind|not\s+my\s+style|"
    r"not\s+as\s+(?:described|pictured|advertised)|stopped\s+working|poor\s+quality|"
    r"uncomfortable|scratched|stained|missing\s+(?:parts?|pieces?)|never\s+worn|unworn|"
    r"(?:ordered|bought)\s+(?:two|2|the\s+wrong))\b",
    re.IGNORECASE,
)


def gives_a_reason(text: str) -> bool:
    """True when `text` says why the customer wants to send something back."""
    return bool(_REASON.search(text or ""))
