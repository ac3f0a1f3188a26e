"""How real brand replies in English commit to a refund or to getting back to the customer.

Written from the train part of tests/fixtures/twcs_labelled (real Twitter replies). Where the general
rules (kinds.py) look for an act's vocabulary next to any "will", real replies are full of refunds
that are offered ("you may opt for a refund"), explained ("refund usually takes 30-60 working days"),
asked for ("kindly submit the eForm…") or done long ago ("sent to the bank on 18/08"). Here a refund
is a promise only when the money is said to be on its way for this customer, and a contact-back only
when it is unconditional and timed ("will respond there shortly", "within 3 to 5 working days").
Each match carries a confidence: how sure the wording makes a reader.
"""

from __future__ import annotations

import re

_WILL = r"(?:will|'ll|should|shall|is going to|are going to|am going to)"
# Money on its way: (pattern, confidence).
_MONEY = r"(?:refund|credit(?! card)(?: shell| account)?|reimbursement|money|cash portion)"
REFUND_SURE: list[tuple[re.Pattern[str], float]] = [
    # "the refund will be credited", "credit shell will be applied within 24 hours"
    (re.compile(rf"\b{_MONEY}\b[^.!?]{{0,40}}?\b{_WILL} (?:be )?(?:(?:fully|automatically|directly) )?"
                r"(?:refunded|credited|reimbursed|redeposited|appl(?:y|ied)|reflect(?:ed)?|appear|show|returned|processed|"
                r"issued|sent back)\b", re.I), 0.9),
    # "it should reflect on your November statement", "the one paid using card will be refunded"
    (re.compile(rf"\b(?:it|amount|one|booking|add ?ons?)\b[^.!?]{{0,40}}?\b{_WILL} (?:be )?(?:(?:fully|automatically) )?"
                r"(?:refunded|credited|reimbursed|redeposited|reflected|reflect (?:on|in) (?:your|the)|"
                r"applied within)\b", re.I), 0.9),
    (re.compile(r"\b(?:we|i)(?:'ll| will| are going to| am going to| shall) (?:\w+ ){0,2}(?:refund|credit|reimburse|"
                r"issue (?:you )?a (?:full |partial )?refund|process (?:a|the|your) refund|"
                r"proceed (?:with )?(?:the )?(?:credit shell|refund))\b", re.I), 0.9),
    (re.compile(r"\b(?:we|i)(?:'ve| have)(?: just| now| already)? (?:refunded|credited|reimbursed|(?:issued|processed|"
                r"initiated|requested|approved|arranged)\b[^.!?]{0,25}\b(?:refund|credit|reimbursement))\b|"
                r"\b(?:refund|credit|reimbursement)\b[^.!?]{0,30}\b(?:has|have) (?:now |just )?been (?:issued|processed|"
                r"approved|initiated|credited|requested)\b", re.I), 0.85),
    (re.compile(r"\b(?:i'd|we'd|i would|we would) like to (?:issue|offer|provide) (?:you )?(?:a |an )?(?:full |partial )?"
                r"(?:refund|credit|reimbursement)\b|\bget you (?:refunded|reimbursed|credited)\b|"
                r"\b(?:i|we) can (?:provide|offer|issue) (?:you )?(?:a |an )?[^!?]{0,20}\bcredit\b", re.I), 0.85),
    (re.compile(r"\b(?:queued|processed|approved|cancelled and processed|escalated)\b[^.!?]{0,30}\bfor (?:a )?(?:full )?"
                r"(?:refund|credit shell|credit account)\b|\brefund is approved\b|\bis to be refunded\b", re.I), 0.85),
    # the customer's refund under way, with the time it takes
    (re.compile(r"\b(?:(?:refund|it) (?:is|are) (?:currently )?(?:in|under) (?:refund |the )?(?:process|processing|"
                r"validation)|under refund process|refund (?:is|has been) (?:in process|processed|successful)|"
                r"refund is within \d+)\b", re.I), 0.7),
]
# Said about refunds without promising one.
REFUND_NOT = re.compile(
    r"\b(?:you may|you can|kindly (?:make|submit|file|fill|write|email|provide)|please (?:submit|file|write|make|fill|"
    r"appeal|provide)|submit (?:the|your|a|our)|if (?:you|your|the)|unless|usually|normally|non-?refundable|not "
    r"(?:allowed|offered|available|possible)|no (?:cancellation|refund)|only (?:airport|the airport|credit)|"
    r"opt (?:for|to)|do you|would you|agree|at ?least|unable|cannot|can't|won't|once (?:the refund|it is done|done|"
    r"validated)|depending on|depends on|not been|yet|(?:sent|submitted) to (?:the )?bank on|send us|dm us|can you|"
    r"could you|(?:processed|applied|refunded|sent) on|as long as)\b", re.I)
_TIMED = (r"(?:shortly|soon(?:est)?(?!\s+as)|asap|as soon as (?:possible|(?:they|we) (?:can|are able|'re available)|"
          r"they're available)|right away|as quickly as possible|at the earliest|in a few (?:minutes|hours)|today|tonight|"
          r"tomorrow|first thing|in the morning|this (?:morning|afternoon|evening)|within|in the next|"
          r"by (?:the end|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|eod|end of)|"
          r"(?:either )?(?:tomorrow|today) or (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))")
_CONTACT = (r"(?:respond|reply|replied|response|follow(?:ing)? up|get(?:ting)? back|be (?:back )?in (?:touch|contact)|"
            r"reach(?:ing)? (?:back )?out|contact(?:ing)?|call(?:ing)?|phone you|ring you|email(?:ing)? you|"
            r"be responding|be replying|"
            r"be contacted|be responded to|hear back|be hearing|have a response|send (?:over )?a response|"
            r"(?:receive|see) a (?:response|reply)|be on the lookout)")
CALLBACK_SURE: list[tuple[re.Pattern[str], float]] = [
    (re.compile(rf"\b(?:{_WILL}|be|(?:would|'d) like to|happy to|going to)\b(?: \w+){{0,5}} {_CONTACT}\b"
                rf"[^.!?]{{0,60}}?\b{_TIMED}", re.I), 0.85),
    (re.compile(rf"\b{_TIMED}\b[^.!?]{{0,30}}\b(?:{_WILL}) (?:\w+ ){{0,2}}{_CONTACT}\b", re.I), 0.8),
    (re.compile(r"\b(?:someone|a member of (?:our|the) team|one of (?:our|the) team|our team|the team|an? (?:agent|"
                r"specialist|expert|officer))\b[^.!?]{0,30}\b(?:will|'ll) be (?:contacting|calling|emailing|reaching out)\b",
                re.I), 0.85),
    (re.compile(rf"\byou(?:'ll| will| shall| should) be (?:updated|notified)\b[^.!?]{{0,40}}?\b{_TIMED}", re.I), 0.8),
    (re.compile(r"\b(?:doesn't|does not|don't|do not|haven't|have not) (?:reach out|contact you|hear (?:back|from us)|"
                r"get back to you)\b[^.!?]{0,20}\b(?:in|within) the next\b", re.I), 0.75),
    (re.compile(r"\bplease allow \d+ (?:working|business) days\b[^.!?]{0,40}\b(?:will|'ll) (?:keep you updated|update you|"
                r"contact you|get back)", re.I), 0.75),
]
# The customer has to act first, or the contact is not with them.
CALLBACK_NOT = re.compile(
    r"\b(?:send us|dm us|message us|shoot us|please (?:dm|send|message|reach|contact|fill|share|submit|call|give|"
    r"follow|write|delete)|if |once you|when you|as soon as we (?:have|hear|receive|get)|with (?:our|the) team\b|"
    r"(?:call|contact) us|kindly (?:write|submit|fill|provide|dm)|get in touch with (?:us|our|the)|can you|could you|"
    r"reach out to (?:us|our)|connect with us|24/7|once\b|you can|contact our|should there|in case|"
    r"as soon as (?:the|it|your|we know)\b|as long as)", re.I)
# The customer is told to reach someone first ("Give them a shout. They should get back to you…").
BEFORE_NOT = re.compile(r"\b(?:give (?:them|us) a (?:shout|call|ring)|contact them|reach out to them|get in touch with "
                        r"them)\b", re.I)
# A contact-back said to happen unless it does not ("let us know if … doesn't reach out in the next 3-5
# business days") is a promise despite its "if".
UNLESS = re.compile(r"\b(?:doesn't|does not|don't|do not|haven't|have not)\b", re.I)
# Mentions of the general rules' vocabulary that promise nothing in real English replies.
GENERAL_NOT = re.compile(r"\b(?:expect to happen|rail replacement|replacement (?:bus|road|taxi)|wait until|"
                         r"estimated delivery|on hold|as long as)\b", re.I)


_ACT_WORD = re.compile(r"refund\w*|credit\w*|reimburs\w*|redeposit\w*|respon\w*|repl\w+|follow\w*|get back|"
                       r"in touch|reach\w*|contact\w*|call\w*|phone|ring|hear|updated|notified|lookout", re.I)


def _act_span(match: re.Match[str]) -> tuple[int, int]:
    """Where the act itself is named inside a match (deadlines attach to the nearest act word)."""
    word = _ACT_WORD.search(match.group(0))
    return (match.start() + word.start(), match.start() + word.end()) if word else match.span()


def english_acts(sentence: str, before: str = "") -> list[tuple[str, tuple[int, int], float]]:
    """(kind, span naming the act, confidence) for the refunds and contact-backs `sentence` promises
    (`before`: the sentences said before it in the reply)."""
    found: list[tuple[str, tuple[int, int], float]] = []
    if sentence.rstrip().endswith("?"):
        return found
    for pattern, confidence in REFUND_SURE:
        match = pattern.search(sentence)
        if match and not REFUND_NOT.search(sentence):
            found.append(("refund.issue", _act_span(match), confidence))
            break
    for pattern, confidence in CALLBACK_SURE:
        match = pattern.search(sentence)
        if match and (not CALLBACK_NOT.search(sentence) or UNLESS.search(match.group(0))) \
                and not BEFORE_NOT.search(before):
            found.append(("callback", _act_span(match), confidence))
            break
    return found
