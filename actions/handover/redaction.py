"""Remove payment data, passwords and other secrets from free text before it is stored or sent.

`redact(text)` is what every module calls on anything a customer typed. It removes:

- card numbers: 13-19 digits, optionally grouped with spaces or dashes, that pass the Luhn
  check (or fail it but sit right after a word like "card" or "visa"); the last four digits
  are kept, as agents need them to match a statement;
- CVV/CVC codes after those words or right after a card number, and expiry dates next to a
  card number (or after "exp"/"valid thru" in a message that talks about a card);
- passwords, PINs and security answers after "password is", "pw:", "pin =", "my passcode was";
- one-time/verification codes, API keys and tokens, bearer/basic credentials, credentials in
  URLs, private key blocks, IBANs (mod-97 checked) and US social security numbers.

Order numbers (NW-123456), ticket numbers (CS-1234567), phone numbers, emails, prices and
dates are left alone. Redaction is idempotent: `redact(redact(x)) == redact(x)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

PLACEHOLDER_PREFIX = "[REDACTED"


def _placeholder(kind: str) -> str:
    return f"[REDACTED: {kind}]"


# --- card numbers -----------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<![\w])\d+(?:(?:[ \t]?-[ \t]?|[ \t]{1,2})\d+)*(?![\w])")
_CARD_WORDS = re.compile(
    r"\b(?:card|cards|visa|master\s?card|mc|amex|american\s+express|discover|credit|debit|cc|"
    r"kreditkarte|karte|carte|tarjeta|creditcard|pan)\b",
    re.IGNORECASE,
)


def luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum used by payment cards."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_like(digits: str) -> bool:
    """Card numbers never start with 0 and are never one repeated digit."""
    return digits[0] != "0" and len(set(digits)) > 1


def _card_window(groups: list[tuple[int, int, str]], card_context: bool) -> tuple[int, int] | None:
    """The longest run of whole digit groups (13-19 digits) that looks like a card, as indices."""
    best: tuple[int, int] | None = None
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last][2]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _card_like(digits) and (luhn_ok(digits) or card_context):
                if best is None or (last - first) > (best[1] - best[0]):
                    best = (first, last)
    return best


def _redact_cards(text: str) -> str:
    out: list[str] = []
    position = 0
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start(), m.group())
                  for m in re.finditer(r"\d+", run.group())]
        before = text[max(0, run.start() - 40):run.start()]
        card_context = bool(_CARD_WORDS.search(before))
        while groups:
            window = _card_window(groups, card_context)
            if window is None:
                break
            first, last = window
            start, end = groups[first][0], groups[last][1]
            digits = "".join(g[2] for g in groups[first:last + 1])
            out.append(text[position:start])
            out.append(_placeholder(f"card ending {digits[-4:]}"))
            position = end
            groups = groups[last + 1:]
    out.append(text[position:])
    return "".join(out)


# --- things next to a card number --------------------------------------------------------

_CARD_PH = r"\[REDACTED: card ending \d{4}\]"
_EXPIRY_WORD = (
    r"(?:exp(?:iry|ires|iration|\.)?(?:\s+date)?|valid\s+(?:thru|through|until|to)|"
    r"good\s+thru|ablaufdatum|gültig\s+bis)"
)
_CVV_WORD = (
    r"(?:cvv2?|cvc2?|cvn|cid|csc|cav2|security\s+code|sec\.?\s+code|card\s+code|"
    r"card\s+(?:security|verification)\s+(?:code|value|number)|"
    r"(?:3|three|4|four)[\s-]digits?(?:\s+code)?\s+(?:on|at)\s+the\s+back|"
    r"(?:3|three|4|four)[\s-]digits?\s+(?:security\s+)?code|"
    r"(?:code|number|digits)\s+on\s+the\s+back|prüfnummer|cryptogramme)"
)
_CONNECT = r"(?:\s*(?:[:=#-]|\bis\b|\bwas\b|\bare\b|\bwere\b)\s*|\s+)"
_MMYY = r"(?:0?[1-9]|1[0-2])\s?[/\-.]\s?(?:20\d{2}|\d{2})(?!\d)"

_AFTER_CARD_EXPIRY = re.compile(
    rf"((?:{_CARD_PH}|\[REDACTED: CVV\])[\s,;|]*(?:{_EXPIRY_WORD}{_CONNECT})?)"
    rf"(?:{_MMYY}|(?:0[1-9]|1[0-2])\d{{2}}(?!\d))",
    re.IGNORECASE,
)
_AFTER_CARD_CVV = re.compile(
    rf"((?:{_CARD_PH}|\[REDACTED: expiry\])[\s,;|]*(?:{_CVV_WORD}{_CONNECT})?)\d{{3,4}}(?!\d)",
    re.IGNORECASE,
)
_CVV_ANYWHERE = re.compile(
    rf"(\b{_CVV_WORD}(?:\s+(?:number|code))?{_CONNECT}(?:(?:now|still)\s+)?)\d{{3,4}}(?![\d/])",
    re.IGNORECASE,
)
_EXPIRY_ANYWHERE = re.compile(rf"(\b{_EXPIRY_WORD}{_CONNECT}){_MMYY}", re.IGNORECASE)


def _redact_card_neighbours(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _AFTER_CARD_EXPIRY.sub(lambda m: m.group(1) + _placeholder("expiry"), text)
        text = _AFTER_CARD_CVV.sub(lambda m: m.group(1) + _placeholder("CVV"), text)
    text = _CVV_ANYWHERE.sub(lambda m: m.group(1) + _placeholder("CVV"), text)
    if _CARD_WORDS.search(text) or "[REDACTED: card" in text:
        text = _EXPIRY_ANYWHERE.sub(lambda m: m.group(1) + _placeholder("expiry"), text)
    return text


# --- passwords, PINs, one-time codes ---------------------------------------------------------

_NOT_A_SECRET = (
    r"(?:not|no|wrong|incorrect|invalid|expired|locked|blocked|rejected|being|still|too|"
    r"the|a|an|my|your|our|their|his|her|its|it|this|that|for|of|on|in|with|and|or|but|"
    r"reset|forgotten|lost|required|needed|working|broken|ok|okay|fine|same|different|"
    r"case[- ]sensitive|empty|blank|unknown|weak|strong|long|short|"
    r"change|changed|set|updated|sent|saved|stored|hidden|\[REDACTED)"
)
_SECRET_VALUE = (
    rf"(?!{_NOT_A_SECRET}(?![\w]))"
    r"(?:\"[^\"\n]{1,200}\"|'[^'\n]{1,200}'|“[^”\n]{1,200}”|[^\s\"'“”]+?(?=[.,!?;)]*(?:\s|$)))"
)
_PASSWORD_WORD = (
    r"(?:pass(?:word|wort|phrase|code)s?|passwd|pwd|pw|kennwort|wachtwoord|mot\s+de\s+passe|"
    r"contrase(?:ñ|n)a|senha|secret\s+answer|security\s+answer|memorable\s+word|"
    r"(?:mother'?s\s+)?maiden\s+name)"
)
_PASSWORD_CONNECT = (
    r"(?:\s*[:=]\s*|\s+-\s+|\s+(?:is|was|be|ist|est|es)(?:\s*[:=])?\s+"
    r"(?:(?:now|still|currently|actually|just|simply|probably)\s+)?|"
    r"\s+(?:changed|set|updated|reset)\s+to\s+|\s+to\s+)"
)
_PASSWORD = re.compile(
    rf"(\b{_PASSWORD_WORD}{_PASSWORD_CONNECT}(?:(?:changed|set|updated)\s+to\s+)?){_SECRET_VALUE}",
    re.IGNORECASE,
)
_PASS_COLON = re.compile(rf"(\bpass\s*[:=]\s*){_SECRET_VALUE}", re.IGNORECASE)
_PIN = re.compile(
    rf"(\bpin(?:\s*(?:code|number|no\.?))?{_PASSWORD_CONNECT})\d{{4,8}}(?!\d)", re.IGNORECASE
)
_ONE_TIME_CODE = re.compile(
    r"(\b(?:verification|verify|security|one[\s-]time|otp|2fa|mfa|two[\s-]factor|sms|text|"
    r"auth(?:entication|enticator)?|login|log[\s-]in|sign[\s-]in|confirmation|reset|access)"
    r"\s+(?:code|pin|passcode|token|otp)(?:\s+(?:is|was|:|=))?\s*[:=]?\s*)"
    r"(?!\[REDACTED)\d{3}[\s-]?\d{1,5}(?![\d/])",
    re.IGNORECASE,
)
_OTP_WORD = re.compile(r"(\b(?:otp|2fa|mfa)\s*(?:code)?\s*[:=]?\s*)\d{4,8}(?!\d)", re.IGNORECASE)

# --- keys, tokens, credentials -----------------------------------------------------------------

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL
)
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^\s/@:]+:[^\s/@]+@", re.IGNORECASE)
_SECRET_QUERY = re.compile(
    r"([?&](?:token|access_token|auth|api_?key|key|password|passwd|pwd|secret|signature|sig|"
    r"code|session|sessionid)=)(?!\[REDACTED)[^&\s#]+",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"(\b(?:authorization|auth)\s*[:=]\s*(?:basic|bearer|token|digest)\s+)[A-Za-z0-9._~+/=:-]+",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(\bbearer\s+)[A-Za-z0-9._~+/=-]{12,}", re.IGNORECASE)
_NAMED_SECRET = re.compile(
    r"(\b(?:api[\s_-]?key|api[\s_-]?token|access[\s_-]?token|secret[\s_-]?key|client[\s_-]?secret|"
    r"auth[\s_-]?token|token|secret)\s*(?:[:=]|\bis\b)\s*)(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,}",
    re.IGNORECASE,
)
_KEY_SHAPES = re.compile(
    r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b|\bsk-[A-Za-z0-9_-]{20,}\b|"
    r"\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}\b|"
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"
)

# --- bank and identity numbers ----------------------------------------------------------------

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
_IBAN_PART = re.compile(r"[ ]?[A-Z0-9]+", re.IGNORECASE)
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def _redact_ibans(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        parts = _IBAN_PART.findall(match.group())
        for end in range(len(parts), 0, -1):  # "DE89 3704 ... 00 thanks": drop trailing words
            candidate = "".join(parts[:end])
            if _iban_ok(candidate):
                return _placeholder("IBAN") + match.group()[len(candidate):]
        return match.group()

    return _IBAN.sub(replace, text)


def _sub_keep(pattern: re.Pattern[str], kind: str) -> Callable[[str], str]:
    """Replace the part after group 1 with a placeholder, keeping group 1 (the label)."""
    return lambda text: pattern.sub(lambda m: m.group(1) + _placeholder(kind), text)


_STEPS: tuple[Callable[[str], str], ...] = (
    lambda t: _PRIVATE_KEY.sub(_placeholder("private key"), t),
    lambda t: _URL_CREDENTIALS.sub(lambda m: m.group(1) + _placeholder("credentials") + "@", t),
    _sub_keep(_SECRET_QUERY, "secret"),
    _sub_keep(_AUTH_HEADER, "credentials"),
    _sub_keep(_BEARER, "credentials"),
    lambda t: _KEY_SHAPES.sub(_placeholder("secret"), t),
    _sub_keep(_NAMED_SECRET, "secret"),
    _sub_keep(_PASSWORD, "password"),
    _sub_keep(_PASS_COLON, "password"),
    _sub_keep(_PIN, "PIN"),
    _redact_ibans,
    lambda t: _SSN.sub(_placeholder("SSN"), t),
    _redact_cards,
    _redact_card_neighbours,
    _sub_keep(_ONE_TIME_CODE, "code"),
    _sub_keep(_OTP_WORD, "code"),
)


def redact(text: str) -> str:
    """`text` with card data, passwords, codes and other secrets replaced by `[REDACTED: ...]`."""
    if not text:
        return text or ""
    for step in _STEPS:
        text = step(text)
    return text


def was_redacted(original: str, redacted: str | None = None) -> bool:
    """True when `redact` changed something (e.g. to remind the customer not to share it)."""
    redacted = redact(original) if redacted is None else redacted
    return redacted != original


def redact_value(value: Any) -> Any:
    """`redact` applied to every string inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    return value
