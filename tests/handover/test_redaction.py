"""redaction.redact: secrets out, ordinary support content untouched, idempotent."""

from __future__ import annotations

import pytest

from actions.handover.redaction import luhn_ok, redact, redact_value, was_redacted

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"


@pytest.mark.parametrize("number", [VISA, MASTERCARD, AMEX, "6011111111111117", "4012888888881881"])
def test_luhn_accepts_test_card_numbers(number: str) -> None:
    assert luhn_ok(number)


@pytest.mark.parametrize("number", ["4111111111111112", "1234567812345678", "12ab"])
def test_luhn_rejects_others(number: str) -> None:
    assert not luhn_ok(number)


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1111 please",
        "4111-1111-1111-1111",
        "4111111111111111",
        "my mastercard: 5555 5555 5555 4444.",
        "amex 3782 822463 10005",
        "number 4111 - 1111 - 1111 - 1111 thanks",
        "use 6011111111111117 instead",
    ],
)
def test_card_numbers_are_removed_keeping_last_four(text: str) -> None:
    out = redact(text)
    assert "[REDACTED: card ending" in out
    compact = out.replace(" ", "").replace("-", "")
    for card in (VISA, MASTERCARD, AMEX, "6011111111111117"):
        assert card[:8] not in compact
    runs = "".join(c if c.isdigit() else " " for c in out).split()
    assert all(len(run) <= 4 for run in runs), out  # only the kept last four remain


def test_mistyped_card_after_card_word_is_still_removed() -> None:
    out = redact("my visa is 4111 1111 1111 1112")
    assert "1111 1111 1112" not in out and "[REDACTED: card ending 1112]" in out


@pytest.mark.parametrize(
    "text, secret",
    [
        ("4111 1111 1111 1111 exp 12/27 cvv 123", ("12/27", "123")),
        ("4111111111111111 12/27 123", ("12/27", "123")),
        ("4111-1111-1111-1111, expires 09/2028, CVC: 4321", ("09/2028", "4321")),
        ("card 4111111111111111 valid thru 1/29 security code 987", ("1/29", "987")),
        ("4111111111111111 0827 123", ("0827", "123")),
    ],
)
def test_expiry_and_cvv_next_to_a_card_are_removed(text: str, secret: tuple[str, str]) -> None:
    out = redact(text)
    for part in secret:
        assert part not in out, out
    assert "[REDACTED: expiry]" in out and "[REDACTED: CVV]" in out


@pytest.mark.parametrize(
    "text",
    ["the cvv is 123", "CVC: 4567", "security code 321", "the 3 digits on the back are 456",
     "cvv2=999"],
)
def test_cvv_on_its_own_is_removed(text: str) -> None:
    out = redact(text)
    assert "[REDACTED: CVV]" in out
    assert not any(ch.isdigit() for ch in out.replace("3 digits", "").replace("cvv2", ""))


@pytest.mark.parametrize(
    "text, secret",
    [
        ("my password is hunter2", "hunter2"),
        ("My Password is: Tr0ub4dor&3.", "Tr0ub4dor&3"),
        ("pw: S3cr3t!", "S3cr3t"),
        ("pwd=abc123", "abc123"),
        ("passwd - letmein99", "letmein99"),
        ("I changed my password to 'correct horse battery staple'", "correct horse"),
        ("my password is now Sommer2026", "Sommer2026"),
        ("login alex / pass: qwerty", "qwerty"),
        ("my passcode was 8841", "8841"),
        ("Mein Passwort ist Geheim123", "Geheim123"),
        ("mot de passe: Bonjour123", "Bonjour123"),
        ("wachtwoord is Fiets42", "Fiets42"),
        ("my PIN is 4321", "4321"),
        ("pin code: 998877", "998877"),
        ("my security answer is Fluffy", "Fluffy"),
    ],
)
def test_passwords_and_pins_are_removed(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out, out
    assert "[REDACTED:" in out


@pytest.mark.parametrize(
    "text, secret",
    [
        ("the verification code is 482913", "482913"),
        ("my 2FA code: 123 456", "123 456"),
        ("OTP 55443322", "55443322"),
        ("Authorization: Bearer eyJhbGciOi.abc123def456.ghi789jkl", "eyJhbGciOi"),
        ("Authorization: Basic YWxleDpodW50ZXIy", "YWxleDpodW50ZXIy"),
        ("https://alex:topsecret@example.com/x", "topsecret"),
        ("see https://example.com/reset?token=abc123def&x=1", "abc123def"),
        ("api key: sk-live-abcdefghijklmnopqrstuvwx", "abcdefghijklmnop"),
        ("my key is sk_live_abcdefghijklmnop1234", "abcdefghijklmnop1234"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"),
        ("IBAN DE89 3704 0044 0532 0130 00 thanks", "3704 0044"),
        ("GB82WEST12345698765432", "GB82WEST12345698765432"),
        ("my SSN is 123-45-6789", "123-45-6789"),
    ],
)
def test_codes_keys_and_bank_numbers_are_removed(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order NW-482913?",
        "Ticket CS-2048817 is still open",
        "Call 1-800-555-0142 or +44 20 7946 0321",
        "Email me at alex.morgan@example.com",
        "It cost $1,234.56 on 2026-10-01, delivered 10/12",
        "My password is wrong and I forgot my password",
        "The password reset link doesn't work",
        "I have 2 orders and 3 returns, total 149.99",
        "tracking 9400 1000 0000 0000 0000 00",
        "My membership expires 12/26",
        "UPS 1Z999AA10123456784",
        "last four digits 4242",
    ],
)
def test_ordinary_support_text_is_untouched(text: str) -> None:
    assert redact(text) == text
    assert not was_redacted(text)


def test_redaction_is_idempotent() -> None:
    samples = [
        "card 4111 1111 1111 1111 exp 12/27 cvv 123, password: hunter2, code is 123456",
        "https://a:b@x.io/?token=abc123def IBAN DE89370400440532013000",
        "pw: x y z",
    ]
    for text in samples:
        once = redact(text)
        assert redact(once) == once


def test_redact_value_walks_nested_structures() -> None:
    value = {"a": ["my password is hunter2", ("card 4111111111111111",)], "n": 3, "none": None}
    out = redact_value(value)
    assert out["n"] == 3 and out["none"] is None
    assert "hunter2" not in str(out) and "4111111111111111" not in str(out)
    assert isinstance(out["a"][1], tuple)


def test_empty_and_none_like_inputs() -> None:
    assert redact("") == ""
    assert redact(None) == ""  # type: ignore[arg-type]
