"""Guided sign-in troubleshooting (login-troubleshooting, reset-your-password, two-factor-authentication)."""

from __future__ import annotations

import re

LOGIN_ISSUES = ("forgot_password", "link_expired", "reset_email_missing", "locked", "two_factor", "other")

# Most specific first: "the reset email with the link isn't coming" is a missing email, not an expiry.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("two_factor", re.compile(r"2fa|two[- ]?factor|2[- ]?step|authenticat|backup code|verification code"
                              r"|(?:sms|text) code|security key|passkey|new phone|lost (?:my )?phone"
                              r"|code (?:is|was|gets?) (?:rejected|wrong|invalid)|codes? (?:doesn|don|isn|not)",
                              re.I)),
    ("reset_email_missing", re.compile(r"(?:email|e-mail|mail|link)\w*\W+(?:\w+\W+){0,4}?(?:not|never|n't|isnt|doesnt)"
                                       r"\W+(?:\w+\W+){0,2}?(?:com|arriv|rec|get|show|receiv|here)"
                                       r"|(?:no|didn'?t get|never got|haven'?t (?:got|received)|not getting)\W+(?:\w+\W+){0,3}?(?:email|e-mail|mail)",
                                       re.I)),
    ("link_expired", re.compile(r"expir|link (?:is |was )?(?:invalid|dead|not working|doesn'?t work|broken)"
                                r"|(?:invalid|old) (?:reset )?link", re.I)),
    ("locked", re.compile(r"lock|too many (?:attempts|tries)|blocked|suspend|frozen", re.I)),
    ("forgot_password", re.compile(r"forg[oe]t|don'?t remember|can'?t remember|reset (?:my )?pass|new pass"
                                   r"|wrong pass|incorrect pass|pass\s?word", re.I)),
]

GUIDANCE = {
    "forgot_password": (
        "To reset your password: on the sign-in page select Forgot password?, enter your account "
        "email, and open the email from no-reply@northwindoutfitters.com. The link works for 30 "
        "minutes and only once; the new password needs at least 10 characters with a letter and a "
        "number. If you signed up with Google or Apple, use that button instead."
    ),
    "link_expired": (
        "Reset links are valid for 30 minutes and can be used only once, and if you asked for "
        "several, only the newest one works. Just request a new link with Forgot password? and use "
        "it straight away."
    ),
    "reset_email_missing": (
        "Give the reset email up to 5 minutes, then check your spam, junk and promotions folders "
        "for no-reply@northwindoutfitters.com. Make sure it's the email you signed up with (guest "
        "checkout doesn't create an account). You can request up to 5 reset emails per hour, and if "
        "you created the account with Google or Apple, sign in with that button instead."
    ),
    "locked": (
        "After 5 failed sign-in attempts the account is locked for 15 minutes. You can wait, or "
        "unlock it straight away by resetting your password with Forgot password?. If we locked it "
        "for unusual activity, follow the instructions in our email or ask me for a person."
    ),
    "two_factor": (
        "If you changed or lost your phone, sign in with one of your 10 backup codes, then set up "
        "2FA again under Account > Security. If a code is rejected, set your phone's clock to "
        "automatic (authenticator codes depend on the exact time). Without backup codes, our "
        "support team verifies your identity and removes 2FA, which takes up to 3 business days "
        "and can't be sped up, because the wait protects you against account takeover."
    ),
    "other": (
        "Here's what usually fixes sign-in trouble: check Caps Lock and your keyboard language, "
        "try the other email addresses you use, enable cookies for northwindoutfitters.com and "
        "clear your cache, or use Continue with Google/Apple if you signed up that way. If that "
        "doesn't work, I can connect you with a person."
    ),
}

SAFETY_NOTE = "Never share your password or a verification code with anyone, including us."


def classify_login_issue(text: str) -> str | None:
    """The kind of sign-in problem a message describes, or None when it doesn't say."""
    for issue, pattern in _PATTERNS:
        if pattern.search(text or ""):
            return issue
    return None


def login_guidance(issue: str) -> str:
    return f"{GUIDANCE.get(issue, GUIDANCE['other'])} {SAFETY_NOTE}"
