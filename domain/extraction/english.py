"""How real brand replies in English commit to a refund or to getting back to the customer.

Written from the train part of tests/fixtures/twcs_labelled (real Twitter replies), and in round 2 from
train + the first test part (holdout2.jsonl stays out of it). Where the general
rules (kinds.py) look for an act's vocabulary next to any "will", real replies are full of refunds
that are offered ("you may opt for a refund"), explained ("refund usually takes 30-60 working days"),
asked for ("kindly submit the eForm…") or done long ago ("sent to the bank on 18/08"). Here a refund
is a promise only when the money is said to be on its way for this customer, and a contact-back only
when the brand (or one of its teams) reaches this customer, unconditionally, with a time ("will respond
there shortly", "you'll be contacted within 3 to 5 working days", "be on the lookout for our response
shortly"): not when the customer must act first ("fill in the form … and we'll contact you soon"), when
it waits for an event ("once it's processed"), is hoped for, or reaches someone else (a seller, "our
team").
Each match carries a confidence: how sure the wording makes a reader.
"""

from __future__ import annotations

import re

_WILL = r"(?:will|'ll|should|shall|is going to|are going to|am going to)"
# Money on its way: (pattern, confidence).
_MONEY = r"(?:refund|credit(?! card)(?: shell| account)?|reimbursement|money|cash portion)"
REFUND_SURE: list[tuple[re.Pattern[str], float]] = [
    # "the refund will be credited", "credit shell will be applied within 24 hours"
    (
        re.compile(
            rf"\b{_MONEY}\b[^.!?]{{0,50}}?\b{_WILL} (?:be )?(?:(?:fully|automatically|directly) )?"
            r"(?:refunded|credited|reimbursed|redeposited|appl(?:y|ied)|reflect(?:ed)?|appear|show|returned|processed|"
            r"issued|sent back)\b",
            re.I,
        ),
        0.9,
    ),
    # "you will be refunded whatever add on you purchased", "will be refund to payee credit card within 30 working days"
    (re.compile(r"\b(?:will|shall|should) be (?:fully |automatically )?(?:refund(?:ed)?|reimbursed)\b", re.I), 0.85),
    # "it should reflect on your November statement", "the one paid using card will be refunded"
    (
        re.compile(
            rf"\b(?:it|amount|one|booking|add ?ons?)\b[^.!?]{{0,40}}?\b{_WILL} (?:be )?(?:(?:fully|automatically) )?"
            r"(?:refunded|credited|reimbursed|redeposited|reflected|reflect (?:on|in) (?:your|the)|"
            r"applied (?:to your (?:\w+ ){0,2})?within)\b",
            re.I,
        ),
        0.9,
    ),
    (
        re.compile(
            r"\b(?:we|i)(?:'ll| will| are going to| am going to| shall) (?:\w+ ){0,2}(?:refund|credit|reimburse|"
            r"issue (?:you )?a (?:full |partial )?refund|process (?:a|the|your) refund|"
            r"proceed (?:with )?(?:the )?(?:credit shell|refund))\b",
            re.I,
        ),
        0.9,
    ),
    (
        re.compile(
            r"\b(?:we|i)(?:'ve| have)(?: just| now| already)? (?:refunded|credited|reimbursed|(?:issued|processed|"
            r"initiated|requested|approved|arranged)\b[^.!?]{0,25}\b(?:refund|credit|reimbursement))\b|"
            r"\b(?:refund|credit|reimbursement)\b[^.!?]{0,30}\b(?:has|have) (?:now |just )?been (?:issued|processed|"
            r"approved|initiated|credited|requested)\b",
            re.I,
        ),
        0.85,
    ),
    (
        re.compile(
            r"\b(?:i'd|we'd|i would|we would) like to (?:issue|offer|provide) (?:you )?(?:a |an )?(?:full |partial )?"
            r"(?:refund|credit|reimbursement)\b|\bget you (?:refunded|reimbursed|credited)\b|"
            r"\b(?:i|we) can (?:provide|offer|issue) (?:you )?(?:a |an )?[^!?]{0,20}\bcredit\b",
            re.I,
        ),
        0.85,
    ),
    (
        re.compile(
            r"\b(?:processed|approved|cancelled and processed)\b[^.!?]{0,30}\bfor (?:a )?(?:full )?"
            r"(?:refund|credit shell|credit account)\b|\brefund is approved\b|\bis to be refunded\b",
            re.I,
        ),
        0.85,
    ),
    # the customer's refund under way, with the time it takes
    (
        re.compile(
            r"\b(?:(?:refund|it) (?:is|are) (?:currently )?(?:in|under) (?:refund |the )?(?:process|processing|"
            r"validation)|under refund process|refund (?:is|has been) (?:in process|processed|successful)|"
            r"refund is within \d+|refund will (?:\w+ )?(?:take|took) (?:up to |within |about |approximately )?\d+)\b",
            re.I,
        ),
        0.7,
    ),
]
# Queued or escalated for a refund: a request on its way, a promise only with the time it takes.
REFUND_QUEUED = re.compile(
    r"\b(?:queued|escalated)\b[^.!?]{0,30}\bfor (?:a )?(?:full )?(?:refund|credit shell|credit account)\b", re.I
)
# Done on a past date, with nothing left to happen ("sent to the bank on 18/08"), unless the money is
# still said to come ("processed on 26Sep17 and should reflect on your October statement").
REFUND_PAST = re.compile(
    r"\b(?:(?:processed|applied|refunded|sent) on|(?:sent|submitted) to (?:the )?bank on|"
    r"(?:has|have) been (?:processed and )?applied|already (?:been )?applied)\b",
    re.I,
)
REFUND_STILL = re.compile(rf"\b{_WILL} (?:be )?(?:reflect|appear|show|credited|refunded)", re.I)
# Said about refunds without promising one.
REFUND_NOT = re.compile(
    r"\b(?:you may|you can|kindly (?:make|submit|file|fill|write|email|provide)|please (?:submit|file|write|make|fill|"
    r"appeal|provide)|submit (?:the|your|a|our)|if (?:you|your|the)|unless|usually|normally|non-?refundable|not "
    r"(?:allowed|offered|available|possible)|no (?:cancellation|refund)|only (?:airport|the airport|credit)|"
    r"opt (?:for|to)|do you|would you|agree|at ?least|unable|cannot|can't|won't|once (?:the refund|validated)|"
    r"depending on|depends on|not been|yet|send us|dm us|can you|could you|as long as|state your|request for refund|"
    r"try again|can offer you|is the process of|will have been)\b",
    re.I,
)
# When a contact-back is said to happen. "as soon as we have news" ties it to an event, not a time.
_TIMED = (
    r"(?:shortly|momentarily|soon(?:est)?(?!\s+as\b)|asap|as soon as possible|as soon as (?:they|we|i|he|she) "
    r"(?:can|are able|'re able|am able|is able|are available|'re available|get the chance)|as soon as they're available|"
    r"as quickly as (?:possible|we can|they can)|at the earliest|at (?:their|our|the) (?:soonest|earliest)|"
    r"right away|promptly|in a (?:few|couple of) (?:minutes|moments|hours)|in a moment|in a beat|"
    r"today|tonight|tomorrow|first thing|in the morning|this (?:morning|afternoon|evening)|later today|"
    r"within (?:the next|the day|a |an |one|two|three|four|five|\d)|in the next|"
    r"by (?:the end|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|eod|end of)|"
    r"(?:either )?(?:tomorrow|today) or (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))"
)
_TIME = re.compile(rf"\b{_TIMED}", re.I)
# The brand (or one of its teams) reaching the customer, as said after "will"/"should"/"happy to"…
_REACH = (
    r"(?:respon[ds]\w*|repl(?:y|ies|ied|ying)|revert\w*|get(?:ting)? back|get(?:ting)? (?:back )?in touch|"
    r"be (?:back )?in (?:touch|contact)|"
    r"contact(?:ing)?|reach(?:ing)? (?:back )?out|reach(?:ing)? you|call(?:ing)? you|call(?:ing)? back|"
    r"ring(?:ing)? you|phon(?:e|ing) you|e-?mail(?:ing)? you|message you|dm(?:ing)? you|text(?:ing)? you|"
    r"follow(?:ing)?[- ]up|updat(?:e|ing) you|notify(?:ing)? you|inform(?:ing)? you|advis(?:e|ing) you|"
    r"keep(?:ing)? you (?:updated|posted|informed|in the loop)|give you a (?:call|ring|buzz)|"
    r"continue (?:there|with you|in dm|via dm|the conversation)|"
    r"send(?:ing)? (?:you |over )?(?:a |an |our )?(?:response|reply|e-?mail|message|dm|update|note)|"
    r"drop(?:ping)? you (?:a|an) (?:dm|line|message|note|e-?mail)|have (?:a|an) (?:response|reply|answer|update) for you|"
    r"get to you|liaise with you|be (?:responding|replying|following up|reaching out|contacting you|calling you|"
    r"emailing you|getting back|in touch))"
)
_MODAL = (
    r"(?:will|'ll|shall|should|would like to|'d like to|(?:be )?happy to|glad to|(?:is|are|am|'re|'m) going to|"
    r"going to)"
)
_NEWS = r"(?:repl(?:y|ies)|response|e-?mail|call|update|message|dm|news|word|answer|feedback)"
CALLBACK_FORMS: list[tuple[str, re.Pattern[str], float]] = [
    # "we'll respond there shortly", "they shall revert back to you soon", "team will be in touch ASAP"
    ("active", re.compile(rf"\b{_MODAL} (?:\w+ ){{0,5}}?{_REACH}\b", re.I), 0.85),
    # "a member of the team will be with you shortly" (a person: a parcel that "will be with you" is a delivery)
    (
        "with_you",
        re.compile(
            r"\b(?:we|i|someone|somebody|team|agents?|specialists?|advisors?|experts?|members?|colleagues?|"
            r"representatives?|they)(?:'ll| will| shall| should| are going to) (?:\w+ ){0,2}?be with you\b",
            re.I,
        ),
        0.8,
    ),
    # "kindly allow the relevant team to keep you updated via email soon"
    ("allow", re.compile(rf"\ballow (?:the|our|them|us|him|her)\b(?: \w+){{0,3}}? to (?:\w+ )?{_REACH}\b", re.I), 0.8),
    # "you'll be contacted within 14 days", "you will be notified accordingly soon"
    (
        "passive",
        re.compile(
            r"\byou(?:'ll| will| shall| should| are going to| would)? (?:\w+ )?(?:be|get) (?:\w+ )?"
            r"(?:contacted|called|e-?mailed|messaged|notif(?:y|ied)|updated?|respon?ded to|replied to|"
            r"advised|informed|reached)\b",
            re.I,
        ),
        0.8,
    ),
    # "you'll receive a response shortly", "you should hear back from us soon", "you'll see a reply from us there"
    (
        "receive",
        re.compile(
            rf"\byou(?:'ll| will| shall| should|'d| are going to)? (?:\w+ )?(?:receive|get|see|have|be "
            rf"(?:receiving|getting|hearing)) (?:back |from (?:us|them|the team|our team) |(?:a|an|our|their|"
            rf"the|some) )(?:\w+ ){{0,2}}?{_NEWS}\b|\byou(?:'ll| will| shall| should)? hear (?:back|from "
            r"(?:us|them|the team|our team|someone))\b",
            re.I,
        ),
        0.8,
    ),
    # "be on the lookout for our response there shortly", "expect a reply shortly"
    (
        "lookout",
        re.compile(
            rf"\b(?:(?:look|watch|check)(?:ing)? (?:out )?for|keep (?:an|your) eyes? (?:out )?(?:for|on)|"
            rf"be on the look ?out for|expect) (?:a|an|our|the|their|my) (?:\w+ )?{_NEWS}\b",
            re.I,
        ),
        0.8,
    ),
    # "please allow 24-48 hours for a response"
    (
        "allow_time",
        re.compile(
            rf"\ballow (?:up to |about |around )?\d+(?:\s*(?:-|to)\s*\d+)? (?:\w+ )?(?:hours?|hrs|days?) "
            rf"for (?:a|an|our|the|their|my) (?:\w+ )?{_NEWS}\b",
            re.I,
        ),
        0.8,
    ),
    # the rest of a reply split over tweets: ">> contacting you at their soonest possible time"
    ("fragment", re.compile(rf"^(?:@\w+\s*)*>+\s*(?:\w+ ){{0,2}}?{_REACH}\b", re.I), 0.7),
]
# The customer has to act first ("fill in the details … and we'll contact you soon"), in the sentence
# before the contact-back or in an earlier sentence of the reply.
CUSTOMER_FIRST = re.compile(
    r"\b(?:send us|dm us|message us|shoot us|drop us|tweet us|write (?:in )?to us|write in|reach out to us|contact us|"
    r"call us|get in touch with (?:us|our|the)|(?:reach out to|contact) (?:our|the)|connect with us|fill (?:in|out)|"
    r"(?:please|pls|kindly|just|do) (?:\w+ )?(?:dm|send|message|reach|contact|fill|share|submit|call|give|follow|write|"
    r"provide|click|use|reply|respond|revert|e-?mail|make|state|tap|select|let us know|confirm|tell)|"
    r"can you|could you|would you|give us a (?:shout|call|ring)|let us know (?:if|when|what|which|how)|"
    r"give (?:them|him|her) a (?:shout|call|ring)|contact them|reach out to them|get in touch with them)\b",
    re.I,
)
# The contact-back waits for an event, or is a possibility, not a commitment.
CALLBACK_NOT = re.compile(
    r"\b(?:if|unless|in case|should there|as long as|whenever you|once|until|upon (?:receipt|receiving)|"
    r"when (?:you|it|this|the|your|we|they)|after (?:you|it|the|we)|as soon as (?:you|we (?:have|hear|receive|get|know|find)|"
    r"they (?:have|hear|receive|get|know|find)|it|the|your|there|this)|the soonest it|24/7)\b",
    re.I,
)
# Said before the contact-back: the customer can or must do something instead.
CUSTOMER_CAN = re.compile(r"\byou (?:can|may|'ll need|will need|need|have to|must)\b", re.I)
# Hoped for, not committed to ("Hopefully we'll have a fix soon", "fingers crossed, we'll know more soon").
HEDGE = re.compile(r"\b(?:hopefully|fingers crossed|we hope|i hope|hoping|with (?:any )?luck|might|may)\b", re.I)
# Someone else does the reaching ("the seller should respond within 2 days").
THIRD_PARTY = re.compile(
    r"(?<!our )(?<!my )\b(?:seller|merchant|bank|carrier|courier|driver|restaurant|store|airline|host|"
    r"landlord|provider|manufacturer|retailer|partner)s?\b[^.!?,]{0,20}$",
    re.I,
)
# The brand reaching someone else: "I'll follow up with our team today", "we'll contact the store".
INTERNAL = re.compile(
    r"^\s*(?:back )?(?:with |to )?(?:(?:our|my|their|the|your local|your bank|your carrier) "
    r"(?!(?:dms?|messages?|e-?mails?|tweets?|query|case|inquiry|enquiry|request|ticket|complaint|concern|"
    r"feedback|account|reply|questions?)\b)\w+|them|him|her)\b",
    re.I,
)
# A contact-back said to happen unless it does not ("let us know if … doesn't reach out in the next 3-5
# business days") is a promise despite its "if".
UNLESS = re.compile(
    r"\b(?:doesn't|does not|don't|do not|haven't|have not) (?:reach out|contact you|hear (?:back|from us)|"
    r"get back to you)\b[^.!?]{0,20}\b(?:in|within) the next\b",
    re.I,
)
# Mentions of the general rules' vocabulary that promise nothing in real English replies.
GENERAL_NOT = re.compile(
    r"\b(?:expect to happen|rail replacement|replacement (?:bus|road|taxi)|wait until|"
    r"estimated delivery|on hold|as long as)\b",
    re.I,
)


_ACT_WORD = re.compile(
    r"refund\w*|credit\w*|reimburs\w*|redeposit\w*|respon\w*|repl\w+|revert\w*|follow\w*|get back|"
    r"in touch|reach\w*|contact\w*|call\w*|phone|ring|hear|updat\w*|notif\w*|inform\w*|lookout|"
    r"e-?mail\w*|message|dm\b|with you|continue|drop|news|word",
    re.I,
)


def _act_span(match: re.Match[str]) -> tuple[int, int]:
    """Where the act itself is named inside a match (deadlines attach to the nearest act word)."""
    word = _ACT_WORD.search(match.group(0))
    return (match.start() + word.start(), match.start() + word.end()) if word else match.span()


def english_acts(sentence: str, before: str = "", has_deadline: bool = False) -> list[tuple[str, tuple[int, int], float]]:
    """(kind, span naming the act, confidence) for the refunds and contact-backs `sentence` promises
    (`before`: the sentences said before it in the reply; `has_deadline`: whether a deadline is stated in it)."""
    found: list[tuple[str, tuple[int, int], float]] = []
    if sentence.rstrip().endswith("?"):
        return found
    if not REFUND_NOT.search(sentence) and not (REFUND_PAST.search(sentence) and not REFUND_STILL.search(sentence)):
        patterns = REFUND_SURE + ([(REFUND_QUEUED, 0.85)] if has_deadline else [])
        for pattern, confidence in patterns:
            if match := pattern.search(sentence):
                found.append(("refund.issue", _act_span(match), confidence))
                break
    callback = _callback(sentence, before, has_deadline)
    if callback:
        found.append(callback)
    return found


def _callback(sentence: str, before: str, has_deadline: bool) -> tuple[str, tuple[int, int], float] | None:
    """A contact-back `sentence` commits to: the brand reaching this customer, with a time, unconditionally."""
    if match := UNLESS.search(sentence):
        return ("callback", _act_span(match), 0.75)
    if not (has_deadline or _TIME.search(sentence)):
        return None
    for _, pattern, confidence in CALLBACK_FORMS:
        match = pattern.search(sentence)
        if match is None or _by_customer(sentence, match) or INTERNAL.search(sentence[match.end() :]):
            continue
        said_before = sentence[: match.start()]
        if (
            CALLBACK_NOT.search(sentence)
            or CUSTOMER_FIRST.search(said_before)
            or CUSTOMER_CAN.search(said_before)
            or HEDGE.search(said_before)
            or THIRD_PARTY.search(said_before)
            or CUSTOMER_FIRST.search(before)
        ):
            return None
        return ("callback", _act_span(match), confidence)
    return None


def _by_customer(sentence: str, match: re.Match[str]) -> bool:
    """ "you'll need to contact them", "you should reply": the customer does the reaching."""
    return bool(re.search(r"\byou\s*$", sentence[: match.start()], re.I)) and not match.group(0).lower().startswith("allow")
