"""The alert as a community manager reads it and acts on it, in the brand's language: the case
title, the customer's words, what was promised and by when next to what the field said (partner,
place, signer, local time), the next step and the link. Times in the brand's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from domain.model import Complaint
from domain.ops import expected_view, observed_view
from integrations.localtime import local

REASONS = {
    "en": {
        "deadline_missed": "deadline missed",
        "wrong_location": "wrong place",
        "wrong_recipient": "wrong recipient",
        "parcel_failed": "parcel failed",
        "refund_failed": "refund failed",
        "amount_short": "amount short",
        "partner_failed": "partner failed",
    },
    "fr": {
        "deadline_missed": "délai dépassé",
        "wrong_location": "mauvais lieu",
        "wrong_recipient": "mauvais destinataire",
        "parcel_failed": "colis en échec",
        "refund_failed": "remboursement en échec",
        "amount_short": "montant incomplet",
        "partner_failed": "échec du partenaire",
    },
}
WORDS = {
    "en": {
        "broken": "Promise broken",
        "at_risk": "Promise at risk",
        "escalation": "ESCALATION",
        "disputes": "Customer disputes the resolution",
        "customer": "Customer said",
        "promised": "Promised",
        "by": "by",
        "field": "Field",
        "next": "Next step",
        "open": "Open the case",
        "owner": "Owner",
        "nobody": "nobody yet: take it",
        "nothing": "nothing from the field",
        "last": "last known status",
        "risk": "At risk",
        "cause": "because",
        "silence": "no news from the carrier since",
        "place": "place",
        "recipient": "recipient",
        "amount": "amount",
        "signed": "signed by",
        "no_words": "(no complaint text)",
        "why": "Why",
        "disputed": "The case was resolved and the customer complained again.",
    },
    "fr": {
        "broken": "Promesse non tenue",
        "at_risk": "Promesse menacée",
        "escalation": "ESCALADE",
        "disputes": "Le client conteste la résolution",
        "customer": "Le client a écrit",
        "promised": "Promis",
        "by": "pour le",
        "field": "Terrain",
        "next": "Prochaine étape",
        "open": "Ouvrir le dossier",
        "owner": "Responsable",
        "nobody": "personne : à prendre",
        "nothing": "rien du terrain",
        "last": "dernier statut connu",
        "risk": "Menacé",
        "cause": "car",
        "silence": "aucune nouvelle du transporteur depuis",
        "place": "lieu",
        "recipient": "destinataire",
        "amount": "montant",
        "signed": "signé par",
        "no_words": "(pas de texte de plainte)",
        "why": "Pourquoi",
        "disputed": "Le dossier était résolu et le client s'est plaint à nouveau.",
    },
}


@dataclass(frozen=True, slots=True)
class AlertContext:
    """What the outbox knows besides the payload: who the case is, who owns it, what to do."""

    case_title: str | None = None
    owner: str | None = None
    next_step: str | None = None
    last_update: Mapping[str, Any] | None = None  # the latest field update of the promise's reference
    promise: Mapping[str, Any] | None = None  # escalations and disputes: the case's latest stuck promise
    evidence: Mapping[str, Any] | None = None
    language: str = "en"
    timezone: str = "Europe/Paris"
    extra: dict[str, Any] = field(default_factory=dict)


def _fields(view: Mapping[str, str], w: dict[str, str]) -> str:
    return ", ".join(f"{w[k]} {view[k]}" for k in ("place", "recipient", "amount") if view.get(k))


def _promised(promise: Mapping[str, Any], ctx: AlertContext, w: dict[str, str]) -> str:
    said = promise.get("said")
    facts = _fields(expected_view(str(promise.get("kind")), promise.get("expect") or {}), w)
    what = " — ".join(x for x in (f"“{said}”" if said else None, facts or None) if x) or str(promise.get("kind"))
    due = local(promise.get("due_at"), ctx.timezone, ctx.language)
    return f"{w['promised']}: {what} {w['by']} {due} ({promise.get('partner')} {promise.get('reference')})"


def _field(seen: Mapping[str, Any] | None, ctx: AlertContext, w: dict[str, str], last: bool) -> str:
    label = f"{w['field']}, {w['last']}" if last else w["field"]
    if not seen:
        return f"{label}: {w['nothing']}"
    view = observed_view(seen, None)
    where = seen.get("location") or seen.get("city") or seen.get("address")
    signer = seen.get("signed_by") or seen.get("handed_to")
    facts = [
        str(seen.get("partner") or ""),
        where and f"{w['place']} {view.get('place') or where}",
        signer and f"{w['signed']} {signer}",
        view.get("amount") and f"{w['amount']} {view['amount']}",
        local(seen.get("occurred_at"), ctx.timezone, ctx.language),
    ]
    return f"{label}: {seen.get('status')} ({', '.join(f for f in facts if f)})"


def _why(payload: Mapping[str, Any], ctx: AlertContext, lang: str) -> str:
    """Why ops are called in: reopened N times, or left unanswered since a (local) time."""
    why = str(payload.get("why") or "")
    since = re.search(r"since (\S+)$", why)
    count = payload.get("reopen_count")
    if since:
        when = local(since.group(1), ctx.timezone, lang)
        return f"rouvert et sans réponse depuis le {when}" if lang == "fr" else f"reopened and unanswered since {when}"
    return f"rouvert {count} fois" if lang == "fr" else f"reopened {count} time(s)"


def compose(
    alert: dict[str, Any], complaints: list[Complaint], public_url: str, ctx: AlertContext | None = None
) -> tuple[str, str]:
    ctx = ctx or AlertContext()
    lang = ctx.language if ctx.language in WORDS else "en"
    w, reasons = WORDS[lang], REASONS[lang]
    payload = alert["payload"]
    case_id = alert["case_id"]
    title_of_case = ctx.case_title or case_id
    link = f"{public_url.rstrip('/')}/cases/{case_id}"
    words = (
        "\n".join(f"  “{c.text}” ({c.author}, {c.channel}, {local(c.posted_at, ctx.timezone, lang)})" for c in complaints[-3:])
        or f"  {w['no_words']}"
    )
    owner = f"{w['owner']}: {ctx.owner or w['nobody']}"
    kind = alert["kind"]
    promise = payload.get("promise") or ctx.promise or {}
    if kind == "escalation":
        title = f"[Terrain] {w['escalation']}: {title_of_case}"
        lines = [f"{title_of_case} — {w['why']}: {_why(payload, ctx, lang)}.", owner]
    elif kind == "customer_disputes":
        title = f"[Terrain] {w['disputes']}: {title_of_case}"
        lines = [f"{title_of_case} — {w['disputed']}", owner]
    elif kind == "promise_at_risk":
        risk = payload.get("at_risk") or {}
        cause = risk.get("cause")
        due = local(promise.get("due_at"), ctx.timezone, lang)
        title = f"[Terrain] {w['at_risk']}: {title_of_case} ({cause}, {w['by']} {due})"
        what = promise.get("said") or _fields(expected_view(str(promise.get("kind")), promise.get("expect") or {}), w)
        lines = [
            f"{w['risk']}: “{what}” {w['by']} {due} — {w['cause']} "
            + (f"{cause}" if cause != "silence" else f"{w['silence']} {local(risk.get('since'), ctx.timezone, lang)}"),
            owner,
        ]
    else:
        reason = payload.get("reason") or ""
        if promise.get("step_of"):  # a step handed over by another partner (a handoff)
            handoff = {
                "en": f"step carried on by {promise.get('partner')} after a handoff",
                "fr": f"étape reprise par {promise.get('partner')} après un transfert",
            }[lang]
            promise = {**promise, "said": f"{promise.get('said') or promise.get('kind')} ({handoff})"}
        title = f"[Terrain] {w['broken']}: {title_of_case} ({reasons.get(reason, reason)})"
        lines = [f"{title_of_case} — {reasons.get(reason, reason)}.", owner]
    lines += [f"{w['customer']}:", words]
    if promise:
        lines.append(_promised(promise, ctx, w))
        evidence = payload.get("evidence") or ctx.evidence
        if kind == "promise_at_risk":
            evidence = (payload.get("at_risk") or {}).get("evidence")
        lines.append(_field(evidence, ctx, w, last=False) if evidence else _field(ctx.last_update, ctx, w, last=True))
    if ctx.next_step:
        lines.append(f"{w['next']}: {ctx.next_step}")
    lines.append(f"{w['open']}: {link}")
    return title, "\n".join(lines)
