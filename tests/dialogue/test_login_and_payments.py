import pytest

from actions.account.login import classify_login_issue, login_guidance
from actions.account.payments import payment_guidance


@pytest.mark.parametrize("text, issue", [
    ("I clicked the reset link from the email but it says the link expired", "link_expired"),
    ("ok now it says my account is locked!!", "locked"),
    ("and the new reset email isnt coming either", "reset_email_missing"),
    ("I got a new phone and now I can't get my 2FA code to log in", "two_factor"),
    ("forgot my pasword", "forgot_password"),
    ("I can't log in to my account", None),
])
def test_login_issue_from_the_customer_words(text, issue):
    assert classify_login_issue(text) == issue


def test_login_guidance_has_the_help_center_facts():
    assert "30 minutes" in login_guidance("link_expired")
    assert "15 minutes" in login_guidance("locked")
    assert "backup codes" in login_guidance("two_factor")
    assert "never share your password" in login_guidance("locked").lower()


def test_payment_guidance_picks_the_problem():
    assert "authorization holds" in payment_guidance("you charged me twice!!")
    assert "billing address" in payment_guidance("my payment keeps failing")
