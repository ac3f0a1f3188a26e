"""Which act a sentence commits to, in French or English, and whether it commits at all."""

from __future__ import annotations

import re

KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("refund.issue", re.compile(
        r"\b(refund\w*|reimburs\w*|rembours\w*|money back|credited back|credit (it )?back|"
        r"avoir de|avoir a été|crédité\w*)", re.I)),
    ("item.replace", re.compile(
        r"\b(replacement|replac(e|ing)|exchange|échang\w*|echang\w*|remplac\w*|reship\w*|re-ship\w*|"
        r"send (you )?(out )?a (new|fresh)|send a new one|nouvel envoi|nouveau (colis|produit)|"
        r"renvo\w+ (un|une) (nouveau|nouvelle|autre))", re.I)),
    ("parcel.reroute", re.compile(
        r"\b(re-?route\w*|redirect\w*|(hold|held) (it|the (package|parcel)|your (package|parcel))? ?(at|for)|"
        r"be held for|"
        r"access point|rapatri\w*|redirig\w*|redirection|point relais|bureau de (poste|votre choix)|"
        r"(post office|depot) (of your choice|for (pick ?up|collection))|ready for (pick ?up|collection)|"
        r"available for (pick ?up|collection)|mis(e)? à (votre )?disposition)", re.I)),
    ("parcel.deliver", re.compile(
        r"\b(deliver\w*|re-?attempt\w*|redeliver\w*|livr\w+|livraison|out for delivery|"
        r"(arrive|arriver\w*|arrivera)\b)", re.I)),
    ("callback", re.compile(
        r"\b(call (you )?back|give you a (call|ring)|(will|'ll) (call|phone|ring) you|rappel\w*|"
        r"vous (re)?contacter|recontact\w*|contact you|reach out to you|be in touch|get back to you|"
        r"revenir vers vous|reviendr\w+ vers vous)", re.I)),
]

COMMITMENT = re.compile(
    r"\b(we will|we'll|i will|i'll|we're going to|we are going to|i'm going to|will be|will|'ll|"
    r"is going to|are going to|should (arrive|be|reach)|has been|have been|is being|are being|"
    r"we've|we have (issued|processed|arranged|requested|scheduled|escalated|sent|placed)|"
    r"expect|guarantee|assur\w+|garanti\w*|"
    r"nous allons|je vais|on va|va (être|vous|se)|vont|sera|seront|serez|allez (recevoir|être)|"
    r"vous pouvez (demander|retirer|récupérer)|est en cours|a été|ont été|avons (procédé|effectué|demandé|"
    r"lancé|fait)|ferons|recevrez|recevra|rappellera|rappelleront|rappelle|livrera|procéderons|"
    r"effectuerons|rembourserons|échangerons|remplacerons|m'assurent|s'engage|"
    r"i've|i have (requested|arranged|issued|processed|sent|scheduled)|vient d'être|procède|"
    r"nous (vous )?\w+ons|\w+(era|eront|erez|ira|iront))\b", re.I)
# Mentions of an act that commit to nothing ("delivery address", a service that "will allow").
NOT_AN_ACT = re.compile(
    r"(adresse de livraison|delivery address|délais? de livraison|delivery times?|will allow|allows you|"
    r"service called)", re.I)
REFUSAL = re.compile(
    r"(\bdm\b|direct message|message privé|\bmp\b|send us|envoyez[- ]nous|could you|can you|would you|"
    r"pourriez[- ]vous|pouvez[- ]vous nous|please (send|provide|follow|reach|contact|call|check|confirm|let)|"
    r"if you|si vous|unable to|not able to|can't|cannot|won't|unfortunately|ne pouvons pas|impossible|"
    r"n'est pas possible|aren't able|isn't possible|no longer|hope|j'espère|thanks for|merci pour)", re.I)


def kinds_in(sentence: str) -> list[tuple[str, tuple[int, int]]]:
    """The kinds a sentence commits to (at most one per kind), with the span naming each act."""
    # Blank out non-committal mentions, keeping offsets, so they match no act.
    sentence = NOT_AN_ACT.sub(lambda m: " " * len(m.group(0)), sentence)
    if sentence.rstrip().endswith("?") or REFUSAL.search(sentence) or not COMMITMENT.search(sentence):
        return []
    found = []
    for kind, pattern in KIND_PATTERNS:
        match = pattern.search(sentence)
        if match:
            found.append((kind, match.span()))
    # A reroute sentence mentions delivery too; a replacement is "delivered" as well.
    names = {k for k, _ in found}
    if "parcel.deliver" in names and names & {"parcel.reroute", "item.replace"}:
        found = [(k, s) for k, s in found if k != "parcel.deliver"]
    return found
