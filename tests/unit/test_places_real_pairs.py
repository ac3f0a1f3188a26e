"""Place and signer pairs read from genuine carrier payloads (../shared/data/real-world: AfterShip,
EasyPost and UPS samples; TERRAIN_REAL_WORLD_DIR overrides it; skipped when absent).

Each history is read as its adapter would map it (a checkpoint's location, city, postal code and
country; the signer), and its destination is the promise an integrator would have recorded from
the same payload. A normal delivery must never compare DIFFERENT: a false alert. So that the test
cannot pass by answering UNKNOWN to everything, the same pairs also show what positive evidence
looks like in these files (a scan in the origin country, a placeholder destination contradicted
by the delivery country).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from domain.places import Match, Place, compare_delivery_place, compare_person, is_junk_signer


def _real_world_dir() -> Path | None:
    if os.environ.get("TERRAIN_REAL_WORLD_DIR"):
        return Path(os.environ["TERRAIN_REAL_WORLD_DIR"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "real-world"
        if candidate.is_dir():
            return candidate
    return None


_FOUND = _real_world_dir()
if _FOUND is None or not _FOUND.is_dir():
    pytest.skip("no real-world samples beside the checkout", allow_module_level=True)
REAL: Path = _FOUND  # a Path from here on, in the functions too (the module is skipped otherwise)


def aftership_trackings() -> list[dict]:
    out: list[dict] = []
    for name in ("get-tracking.json", "get-trackings.json"):
        data = json.loads((REAL / "aftership" / name).read_text())["data"]
        out.extend(data.get("trackings") or [data["tracking"]])
    return out


def aftership_place(checkpoint: dict) -> Place:
    """An AfterShip checkpoint as the adapter maps it: a scan place, never a delivered-to address."""
    return Place(
        location=checkpoint.get("location"),
        city=checkpoint.get("city"),
        postal_code=checkpoint.get("zip"),
        country=checkpoint.get("country_iso3"),
    )


def easypost_trackers() -> list[dict]:
    event = json.loads((REAL / "easypost" / "tracker.updated.event.json").read_text())["result"]
    retrieved = json.loads((REAL / "easypost" / "tracker.retrieve.json").read_text())
    return [event, retrieved]


def easypost_place(location: dict) -> Place:
    city, state = location.get("city"), location.get("state")
    text = ", ".join(p for p in (city, state) if p) or None
    return Place(location=text, city=city, postal_code=location.get("zip"), country=location.get("country"))


def ups_events() -> list[dict]:
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((REAL / "ups" / "UPSTrackAlert.yaml").read_text())
    examples: list[dict] = []
    for path in (*spec["paths"].values(), *spec.get("webhooks", {}).values()):
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            examples.extend(e["value"] for e in (body.get("examples") or {}).values() if "activityStatus" in e["value"])
    return examples


def ups_place(event: dict) -> Place:
    where = event["activityLocation"]
    return Place(
        location=f"{where['city']}, {where['stateProvince']}",
        city=where["city"],
        postal_code=where.get("postalCode"),
        country=where.get("country"),
    )


# --- AfterShip -------------------------------------------------------------------------------


def test_aftership_deliveries_never_contradict_their_destination_country():
    checked = 0
    for tracking in aftership_trackings():
        promised = Place(country=tracking.get("destination_country_iso3"))
        for checkpoint in tracking["checkpoints"]:
            if checkpoint["tag"] in ("Delivered", "OutForDelivery", "AvailableForPickup"):
                assert compare_delivery_place(promised, aftership_place(checkpoint)) is not Match.DIFFERENT, checkpoint
                checked += 1
    assert checked >= 3  # SAPPORO JP, NARITA-SHI JP, DAYTON NJ, Deal NJ


def test_aftership_origin_scans_are_positively_in_another_country_than_the_destination():
    # Evidence that the comparison is not blind: the FedEx history crosses from China to Japan.
    (tracking,) = [t for t in aftership_trackings() if t.get("destination_country_iso3") == "JPN"]
    promised = Place(country="JPN")
    by_country = {
        c["country_iso3"]: compare_delivery_place(promised, aftership_place(c))
        for c in tracking["checkpoints"]
        if c.get("country_iso3")
    }
    assert by_country == {"CHN": Match.DIFFERENT, "JPN": Match.UNKNOWN}


def test_aftership_placeholder_destination_is_contradicted_by_the_delivery_country():
    # The SDK's sample says "Sydney, Australia" as raw destination while it ships to Japan: a
    # promise recorded on that text would rightly be broken by the Japanese delivery.
    (tracking,) = [t for t in aftership_trackings() if t.get("destination_country_iso3") == "JPN"]
    delivered = next(c for c in tracking["checkpoints"] if c["tag"] == "Delivered")
    promised = Place(address=tracking["destination_raw_location"])
    assert compare_delivery_place(promised, aftership_place(delivered)) is Match.DIFFERENT


def test_aftership_signers_a_placeholder_decides_nothing_a_name_is_compared():
    signers = {t["tracking_number"]: t.get("signed_by") for t in aftership_trackings() if t["tag"] == "Delivered"}
    placeholders = [s for s in signers.values() if s and is_junk_signer(s)]
    names = [s for s in signers.values() if s and not is_junk_signer(s)]
    assert placeholders == ["Signature not required"]
    assert names == ["..KOSUTOKO"]
    assert compare_person("Claire Martin", "Signature not required", None) is Match.UNKNOWN
    assert compare_person("Kosutoko", "..KOSUTOKO", None) is Match.SAME
    assert compare_person("Taro Kosutoko", "..KOSUTOKO", None) is Match.SAME
    assert compare_person("Claire Martin", "..KOSUTOKO", None) is Match.DIFFERENT
    assert compare_person("ACME Japan KK", "..KOSUTOKO", None) is Match.UNKNOWN


# --- EasyPost --------------------------------------------------------------------------------


@pytest.mark.parametrize("tracker", easypost_trackers(), ids=lambda t: t["carrier"])
def test_easypost_scans_on_the_way_never_contradict_the_destination(tracker):
    # Not deliveries, but a scan in another state is exactly what a delivery to a depot looks like.
    promised = Place(address=tracker["carrier_detail"]["destination_location"])
    details = [d for d in tracker["tracking_details"] if d["tracking_location"].get("city")]
    assert details
    for detail in details:
        observed = easypost_place(detail["tracking_location"])
        assert compare_delivery_place(promised, observed) is not Match.DIFFERENT, detail


def test_easypost_destination_in_another_country_would_be_contradicted():
    (tracker, _) = easypost_trackers()
    scan = easypost_place(tracker["tracking_details"][-1]["tracking_location"])  # EDISON NJ 08817, US
    assert compare_delivery_place(Place(address="14 rue des Lilas, 75011 Paris"), scan) is Match.DIFFERENT
    assert compare_delivery_place(Place(address="Brooklyn Heights, NY", country="US"), scan) is Match.UNKNOWN


# --- UPS -------------------------------------------------------------------------------------


def test_ups_delivery_in_charlotte_keeps_a_charlotte_promise_unverified_and_breaks_a_french_one():
    delivered = next(e for e in ups_events() if e["activityStatus"]["type"] == "D")
    observed = ups_place(delivered)
    assert (
        compare_delivery_place(Place(address="1000 Queens Rd, Charlotte, NC 28207", country="US"), observed) is Match.UNKNOWN
    )  # a scan never confirms a street address
    assert compare_delivery_place(Place(address="14 rue des Lilas, 75011 Paris"), observed) is Match.DIFFERENT


def test_ups_out_for_delivery_and_delivery_never_contradict_each_other():
    # The two examples of one parcel: the out-for-delivery scan's place as the promise.
    events = {e["activityStatus"]["type"]: ups_place(e) for e in ups_events()}
    assert compare_delivery_place(events["I"], events["D"]) is not Match.DIFFERENT
    assert compare_delivery_place(events["D"], events["I"]) is not Match.DIFFERENT


def test_ups_received_by_a_first_name():
    delivered = next(e for e in ups_events() if e["activityStatus"]["type"] == "D")
    signer = delivered["receivedBy"]
    assert not is_junk_signer(signer)
    assert compare_person("John Smith", signer, None) is Match.SAME
    assert compare_person("Mary Smith", signer, None) is Match.DIFFERENT
    assert compare_person("Smith Logistics Inc", signer, None) is Match.UNKNOWN
