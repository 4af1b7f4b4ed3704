"""Cited articles as each channel shows links; anything that isn't an http(s) link stays text."""

from __future__ import annotations

from channels.links import to_plain, to_slack

ANSWER = "Refunds take 3-5 business days.\n\nSource: [Refund Processing Times](https://h.example/help/refunds)"


def test_slack_gets_its_own_link_form():
    assert to_slack(ANSWER).endswith("Source: <https://h.example/help/refunds|Refund Processing Times>")


def test_telegram_gets_the_title_and_the_address():
    assert to_plain(ANSWER).endswith("Source: Refund Processing Times (https://h.example/help/refunds)")


def test_a_title_cannot_smuggle_slack_markup():
    text = "[<!channel> & <https://evil.example|click>](https://h.example/a)"
    assert to_slack(text) == "<https://h.example/a|&lt;!channel&gt; &amp; &lt;https://evil.example/click&gt;>"


def test_other_schemes_and_broken_links_stay_text():
    for text in ("[x](javascript:alert(1))", "[x](ftp://h.example/a)", "[x](https://h.example/a b)", "[x]("):
        assert to_slack(text) == text and to_plain(text) == text


def test_huge_input_is_handled_quickly():
    text = "[" * 50_000 + "](https://h.example/" + "a" * 50_000
    assert to_plain(text) == text
