"""Importer for the "Customer Support on Twitter" dataset (twcs.csv and its samples).

Threads are rebuilt from `in_response_to_tweet_id`: customers' tweets become complaints (their
author is the customer ref, so a customer's later tweets join the open case), brands' replies
become replies on the case of the tweet they answer, with the promises they make. Tweets are
replayed in time order with the clock at each tweet, so deadlines are those of the time.
Running it twice changes nothing: complaints and replies are keyed by tweet id.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from domain.errors import DomainError
from domain.model import Complaint
from integrations.services.intake import open_complaint
from integrations.services.ports import UnitOfWork
from integrations.services.replies import record_reply

COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
CHANNEL = "twitter"
ACTOR = "import:twcs"


@dataclass(frozen=True, slots=True)
class Tweet:
    line: int
    tweet_id: str
    author_id: str
    inbound: bool
    created_at: datetime
    text: str
    in_response_to: str | None


@dataclass
class ImportReport:
    rows: int = 0
    complaints: int = 0
    replies: int = 0
    promises: int = 0
    already_imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def parse_rows(rows: Iterable[dict[str, str]], report: ImportReport) -> Iterator[Tweet]:
    """Valid tweets; each malformed row is reported (line, reason) and skipped."""
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        report.rows += 1
        try:
            missing = [c for c in COLUMNS if c != "in_response_to_tweet_id" and not (row.get(c) or "").strip()]
            if missing:
                raise ValueError(f"missing {', '.join(missing)}")
            inbound = row["inbound"].strip()
            if inbound not in ("True", "False"):
                raise ValueError(f"inbound is {inbound!r}, not True/False")
            created = datetime.strptime(row["created_at"].strip(), "%a %b %d %H:%M:%S %z %Y")
            parent = (row.get("in_response_to_tweet_id") or "").strip()
            yield Tweet(
                line,
                row["tweet_id"].strip(),
                row["author_id"].strip(),
                inbound == "True",
                created,
                row["text"],
                parent.split(".")[0] or None,
            )
        except (ValueError, KeyError, AttributeError) as exc:
            report.skipped.append((line, str(exc)))


def import_twcs(
    uow_factory: Callable[[], UnitOfWork],
    path: Path,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    with path.open(newline="", encoding="utf-8") as handle:
        tweets = list(parse_rows(csv.DictReader(handle), report))
    by_id = {t.tweet_id: t for t in tweets}
    case_of: dict[str, str] = {}  # tweet id -> case id, for every imported tweet
    for tweet in sorted(tweets, key=lambda t: (t.created_at, t.tweet_id)):
        try:
            if tweet.inbound:
                _import_complaint(uow_factory, tweet, case_of, report)
            else:
                _import_reply(uow_factory, tweet, by_id, case_of, report)
        except DomainError as exc:
            report.skipped.append((tweet.line, f"{exc.code}: {exc.message}"))
        if progress:
            progress(1)
    return report


def _import_complaint(uow_factory, tweet: Tweet, case_of: dict[str, str], report: ImportReport) -> None:
    complaint = Complaint.create(
        {
            "channel": CHANNEL,
            "external_id": tweet.tweet_id,
            "author": tweet.author_id,
            "text": tweet.text,
            "posted_at": tweet.created_at,
            "customer_ref": f"twitter:{tweet.author_id}",
        }
    )
    result = open_complaint(uow_factory, complaint, ACTOR, clock=lambda: tweet.created_at)
    case_of[tweet.tweet_id] = result.case_id
    report.complaints += 1


def _thread_case(tweet: Tweet, by_id: dict[str, Tweet], case_of: dict[str, str]) -> str | None:
    """Walk up the thread to the nearest tweet that has a case."""
    seen, parent = set(), tweet.in_response_to
    while parent and parent not in seen:
        seen.add(parent)
        if parent in case_of:
            return case_of[parent]
        parent = by_id[parent].in_response_to if parent in by_id else None
    return None


def _import_reply(uow_factory, tweet: Tweet, by_id, case_of, report: ImportReport) -> None:
    case_id = _thread_case(tweet, by_id, case_of)
    if case_id is None:
        report.skipped.append((tweet.line, "reply to a tweet that is not in the file"))
        return
    case_of[tweet.tweet_id] = case_id
    result = record_reply(
        uow_factory,
        case_id,
        tweet.text,
        tweet.created_at,
        f"{ACTOR}:{tweet.author_id}",
        partner=tweet.author_id,
        reference=f"twitter:{tweet.in_response_to}",
        external_id=tweet.tweet_id,
        clock=lambda: tweet.created_at,
    )
    if result.duplicate:
        report.already_imported += 1
        return
    report.replies += 1
    report.promises += len(result.recorded)
