"""Which act a sentence commits to, in French or English, and whether it commits at all.

A sentence makes a promise when it names an act (KIND_PATTERNS), says it will happen or has
happened (COMMITMENT: "we will", "has been", "vous sera", "devrait"), and neither asks the
customer for something, nor refuses, nor makes the act conditional (REFUSAL: "DM us", "can't",
"if", "to get a refund"). Mentions of an act's vocabulary that name no act ("delivery address",
"refunds team", "je vous rappelle que") are blanked first.
"""

from __future__ import annotations

import re

KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "refund.issue",
        re.compile(
            r"\b(refund\w*|reimburs\w*|rembours\w*|money back|(money|funds|payment) will be (back|returned)|"
            r"credit\w* (\S+ ){0,3}back|credit\w* (to )?your (account|card)|avoir de|avoir a été|"
            r"crédit(é|ée|és|er|erons|era|ons)\b)",
            re.I,
        ),
    ),
    (
        "item.replace",
        re.compile(
            r"\b(replacement|replac(e|ing)|exchange|échang\w*|echang\w*|remplac\w*|reship\w*|re-ship\w*|"
            r"swap\w*|send (you )?(out )?a (new|fresh)|"
            r"(a|another|your) (new|fresh) (?!(delivery|date|attempt|slot|address|tracking|email|code|time)\b)\w+|"
            r"(un|une|votre) (nouvel|nouveau|nouvelle) (?!(tentative|créneau|date|livraison|adresse|numéro|"
            r"mail|e-mail|code|rendez-vous|passage)\b)\w+|nouvel envoi|(article|produit|appareil) neuf|"
            r"renvo\w+ (un|une) (nouveau|nouvelle|autre|article|produit))",
            re.I,
        ),
    ),
    (
        "parcel.reroute",
        re.compile(
            r"\b(re-?route\w*|redirect\w*|(hold|held) (it|the (package|parcel)|your (package|parcel))? ?(at|for)|"
            r"be held for|intercept\w*|"
            r"access point|rapatri\w*|redirig\w*|redirection|redépos\w*|point relais|bureau de (poste|votre choix)|"
            r"(post office|depot) (of your choice|for (pick ?up|collection))|chosen (post office|pick ?up point|store)|"
            r"(of|de) (your|votre) choi(ce|x)|you (picked|chose|selected)|for you to (collect|pick)|"
            r"keep (it|the (package|parcel)) (there|at)|réexpédi\w+ (vers|au|à)|\blockers?\b|"
            r"ready (for|to) (pick ?up|collect\w*)|available (for|to) (pick ?up|collect\w*)|for collection|"
            r"mis(e)? à (votre )?disposition|disponible (dans|au|à) (votre|le|la|l')?\s*(bureau|point|agence|relais))",
            re.I,
        ),
    ),
    (
        "parcel.deliver",
        re.compile(
            r"\b(deliver\w*|re-?attempt\w*|redeliver\w*|livr\w+|livraison|out for delivery|repasser\w*|"
            r"drop\w* (it |them )?off|(driver|courier) will be with you|"
            r"(arrive|arriver\w*|arrivera)\b)",
            re.I,
        ),
    ),
    (
        "callback",
        re.compile(
            r"\b(call (you )?back|callback|call-back|give you a (call|ring)|(will|'ll) (call|phone|ring) you|"
            r"ring you|call you|rappel\w*|vous (r?appel\w*|téléphon\w*)|appeler)\b",
            re.I,
        ),
    ),
]
# Getting back in touch counts as a callback only when a deadline is said with it: "we'll get
# back to you" alone is a courtesy, "they'll be in touch within 48 hours" is a promise.
CONTACT = re.compile(
    r"\b(vous (re)?contacter\w*|recontact\w*|contact you|reach out to you|be in touch|get back to you|"
    r"revenir vers vous|reviendr\w+ vers vous)",
    re.I,
)

COMMITMENT = re.compile(
    r"\b(we will|we'll|i will|i'll|we're going to|we are going to|i'm going to|will be|will|'ll|"
    r"is going to|are going to|should (arrive|be|reach)|has been|have been|is being|are being|"
    r"we've|we have (issued|processed|arranged|requested|scheduled|escalated|sent|placed|booked)|"
    r"i've|i have (requested|arranged|issued|processed|sent|scheduled|booked)|"
    r"(is|are|now) (scheduled|booked|due)|scheduled for|booked (in|for)|"
    r"expect|guarantee|assur\w+|garanti\w*|devrai\w*|"
    r"nous allons|je vais|on va|va (être|vous|se)|vont|sera|seront|serez|allez (recevoir|être)|"
    r"vous pouvez (demander|retirer|récupérer)|est en cours|a été|ont été|avons (procédé|effectué|demandé|"
    r"lancé|fait)|ferons|recevrez|recevra|rappellera|rappelleront|rappelle|livrera|procéderons|"
    r"effectuerons|rembourserons|échangerons|remplacerons|m'assurent|s'engage|"
    r"vien(s|t) d(e|')|venons d(e|')|est prévue?|sont prévus|procède|part aujourd'hui|"
    r"nous (vous )?\w+ons|\w+(era|eront|erez|ira|iront))\b",
    re.I,
)
# Mentions of an act that commit to nothing (a "delivery address", a "refunds team", a
# service that "will allow", "je vous rappelle que" = let me remind you).
NOT_AN_ACT = re.compile(
    r"((adresse|frais|créneau|délais?|service|équipe|mode) de (livraison|remboursement)|"
    r"(delivery|refunds?|returns?|exchange) (address|times?|team|department|desk|line|charge|fee|cost|"
    r"policy|slot|options?|drivers?)|"
    r"will allow|allows you|service called|rappel\w* que|reminder)",
    re.I,
)
REFUSAL = re.compile(
    r"(\bdm\b|direct message|message privé|\bmp\b|send us|envoyez[- ]nous|could you|can you|would you|"
    r"pourriez[- ]vous|pouvez[- ]vous nous|please (send|provide|follow|reach|contact|call|check|confirm|let|return)|"
    r"\b(if|unless|once you|when you|in case)\b|\bsi (le|la|les|l'|il|elle|ils|vous|votre|vos|jamais)\b|"
    r"au cas où|dès que vous|une fois que vous|nous (appeler|contacter|joindre)|contact us|call us|"
    r"\bto (get|receive|request|obtain) a\b|pour (être|obtenir|recevoir|demander)\b|"
    r"you('ll| will)? need to|you must|vous devez|il vous suffit|"
    r"according to (our|the) (tracking|records|system)|(tracking|suivi) (shows|indique)|"
    r"(d'après|selon) (le|notre) suivi|"
    r"unable to|not able to|can't|cannot|won't|unfortunately|ne pouvons pas|impossible|"
    r"n'est pas possible|n'est possible|aren't able|isn't possible|no longer|hope|j'espère|espérons|as long as)",
    re.I,
)

PAST_DELIVERY = re.compile(r"\b((has been|have been|was|were|a été|ont été) (bien )?|(est|sont) bien )(deliver|livr)", re.I)


def kinds_in(sentence: str, has_deadline: bool = False) -> list[tuple[str, tuple[int, int]]]:
    """The kinds a sentence commits to (at most one per kind), with the span naming each act.

    `has_deadline` says whether the sentence states a deadline (a contact-back needs one).
    """
    # Blank out non-committal mentions, keeping offsets, so they match no act.
    sentence = NOT_AN_ACT.sub(lambda m: " " * len(m.group(0)), sentence)
    if sentence.rstrip().endswith("?") or REFUSAL.search(sentence) or not COMMITMENT.search(sentence):
        return []
    found = []
    for kind, pattern in KIND_PATTERNS:
        match = pattern.search(sentence)
        if match is None and kind == "callback" and has_deadline:
            match = CONTACT.search(sentence)
        if match:
            found.append((kind, match.span()))
    # "Your parcel has been delivered" reports a fact, it promises no delivery.
    found = [(k, s) for k, s in found if k != "parcel.deliver" or not PAST_DELIVERY.search(sentence[max(0, s[0] - 25) : s[1]])]
    # A reroute sentence mentions delivery too; a replacement is "delivered" as well.
    names = {k for k, _ in found}
    if "parcel.deliver" in names and names & {"parcel.reroute", "item.replace"}:
        found = [(k, s) for k, s in found if k != "parcel.deliver"]
    return found
