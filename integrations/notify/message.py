"""The alert as the community managers read it: case, customer's words, promise, evidence, link."""

from __future__ import annotations

from typing import Any

from domain.model import Complaint


def compose(alert: dict[str, Any], complaints: list[Complaint], public_url: str) -> tuple[str, str]:
    payload = alert["payload"]
    case_id = alert["case_id"]
    link = f"{public_url.rstrip('/')}/cases/{case_id}"
    words = "\n".join(f"  {c.author} ({c.channel}): “{c.text}”" for c in complaints[-3:]) or "  (no complaint text)"
    if alert["kind"] == "escalation":
        title = f"[Terrain] ESCALATION case {case_id}: still reopened"
        lines = [f"Case {case_id} needs ops attention: {payload.get('why')}.",
                 f"Reopened {payload.get('reopen_count')} time(s).", "Customer said:", words]
    elif alert["kind"] == "customer_disputes":
        title = f"[Terrain] Case {case_id} reopened: the customer disputes the resolution"
        lines = [f"Case {case_id} was resolved, and the customer complained again.", "Customer said:", words]
    elif alert["kind"] == "promise_at_risk":
        promise = payload.get("promise") or {}
        risk = payload.get("at_risk") or {}
        evidence = risk.get("evidence") or {}
        cause = risk.get("cause")
        title = f"[Terrain] Promise at risk on case {case_id}: {cause}"
        lines = [
            f"Case {case_id}: a promise is at risk before its deadline ({cause}).",
            "Customer said:", words,
            f"Promised ({promise.get('kind')}, {promise.get('partner')} {promise.get('reference')}, "
            f"due {promise.get('due_at')}): “{promise.get('said') or promise.get('expect')}”",
            "Field evidence: " + (", ".join(f"{k}={v}" for k, v in evidence.items()) if cause != "silence" and evidence
                                  else f"no news from the field since the promise was made ({risk.get('since')})"),
        ]
    else:
        promise = payload.get("promise") or {}
        evidence = payload.get("evidence") or {}
        title = f"[Terrain] Promise broken on case {case_id}: {payload.get('reason')}"
        lines = [
            f"Case {case_id}: the field contradicts what was promised ({payload.get('reason')}).",
            "Customer said:", words,
            f"Promised ({promise.get('kind')}, {promise.get('partner')} {promise.get('reference')}, "
            f"due {promise.get('due_at')}): “{promise.get('said') or promise.get('expect')}”",
            "Field evidence: " + (", ".join(f"{k}={v}" for k, v in evidence.items()) if evidence
                                  else f"nothing kept the promise by {promise.get('due_at')}"),
        ]
    lines.append(f"Open the case: {link}")
    return title, "\n".join(lines)
