"""Payment problems: what to tell the customer first (payment-issues-and-duplicate-charges)."""

from __future__ import annotations

import re

_DECLINED = re.compile(r"declin|fail|reject|doesn'?t go through|won'?t go through|not going through"
                       r"|can'?t pay|cannot pay|error", re.I)
_DUPLICATE = re.compile(r"twice|double|duplicate|two charges|charged 2|2 charges|pending|hold"
                        r"|charged (?:me )?(?:again|more)|extra charge|overcharg", re.I)

DUPLICATE_GUIDANCE = (
    "I'm sorry about the worry. Most apparent double charges are authorization holds (for example "
    "after a retried payment, a re-placed order, or a split shipment): a pending hold disappears "
    "within 3-5 business days (some banks take up to 10), and you're only charged for orders that "
    "ship. If two charges have both posted, our payments team confirms duplicates within 2 "
    "business days and refunds the extra one. Please contact us before disputing a charge with "
    "your bank: a chargeback can take up to 75 days."
)
DECLINED_GUIDANCE = (
    "Sorry your payment isn't going through. Please check that the billing address matches the one "
    "your card issuer has, that the card number, expiry date and security code are right, that "
    "you've approved any 3-D Secure or banking-app request, and that the card allows online or "
    "international purchases. If a payment fails after you've ordered, we hold the order for 48 "
    "hours so you can update your payment details; after that it's cancelled."
)
GENERAL_GUIDANCE = (
    "Sorry about the trouble with your payment. I'll pass the details to our payments team."
)


def payment_guidance(text: str) -> str:
    """First advice for a payment problem, picked from what the customer wrote."""
    if _DUPLICATE.search(text or ""):
        return DUPLICATE_GUIDANCE
    if _DECLINED.search(text or ""):
        return DECLINED_GUIDANCE
    return GENERAL_GUIDANCE
