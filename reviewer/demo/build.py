"""Building the demo case from the demo photos, through the ordinary core API."""

from __future__ import annotations

import shutil
from pathlib import Path

from reviewer.core.errors import CaseError
from reviewer.core.progress import Progress, ProgressCallback, no_progress
from reviewer.demo.flight import make_flight
from reviewer.demo.photos import SHOTS, draw_demo_photos
from reviewer.demo.tags import _colonnade_regions

DEMO_CASE = "demo.case"
_STREET_REGIONS = 7   # six cylinders and a crater: only for the progress bar's total
TITLE = "Demo: Palmyra colonnade and Douma street"
_NOTICE = ("Demonstration data: every photo in this case was drawn by Evidence Reviewer's"
           " demo generator (reviewer demo). Nothing here is evidence of anything.")


def build_demo_case(directory: str | Path, actor: str | None = None,
                    progress: ProgressCallback = no_progress) -> Path:
    """Make DIRECTORY/photos/*.jpg and the case DIRECTORY/demo.case from them; return the case.

    Everything is written through the core API, so the case's audit log tells how it
    was built. A case left half-built by a failure is removed again.
    """
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths
    from reviewer.core.incidents import add_incident, link_evidence
    from reviewer.core.regions import add_region

    directory = Path(directory)
    target = directory / DEMO_CASE
    if target.exists():
        raise CaseError(target, "already exists; remove it or choose another folder for the demo")
    directory.mkdir(parents=True, exist_ok=True)
    standing, toppled = _colonnade_regions()
    total = 2 * len(SHOTS) + len(standing) + len(toppled) + _STREET_REGIONS + 4
    photos = draw_demo_photos(directory / "photos", progress, total=total)
    done = len(SHOTS)
    case = create_case(target, title=TITLE, actor=actor)
    try:
        def imported(step: Progress) -> None:
            progress(Progress(done + step.done, total, f"imported {Path(step.item).name}",
                              step.failed))

        report = import_paths(case, [path for path, _ in photos.values()], progress=imported)
        ids = {Path(item["path"]).name: item["id"] for item in report.imported}
        missing = [name for name in photos if name not in ids]
        if missing or report.errors:
            problems = "; ".join([f"{e['path']}: {e['error']}" for e in report.errors]
                                 + [f"{name}: not imported" for name in missing])
            raise CaseError(target, f"the demo photos could not be imported: {problems}")
        done += len(SHOTS)
        palmyra = add_incident(
            case, "Destruction of the colonnade", category="heritage destruction",
            time_from="2015-05-21", time_to="2016-03-27", place_name="Palmyra, great colonnade",
            lat=34.5510, lon=38.2690, radius_m=200, status="confirmed",
            description="(Demonstration case.) Three columns of the great colonnade, standing"
                        " in the 2010 photo, lie toppled in the 2016 drone photo: stumps, drums"
                        " and capitals on the ground, the entablature above them gone.",
            sources="colonnade_before.jpg (2010, ground level) and colonnade_after.jpg (2016,"
                    " drone), compared side by side. " + _NOTICE)
        douma = add_incident(
            case, "Chlorine cylinders on residential street", category="chemical attack",
            time_from="2018-04-07T19:00:00+03:00", time_to="2018-04-07T19:45:00+03:00",
            place_name="Douma", lat=33.5717, lon=36.4036, radius_m=300, status="open",
            description="(Demonstration case.) Industrial gas cylinders in a residential street"
                        " after an air strike: in the road, on the pavement, on a balcony and on"
                        " a roof beside the hole it made; a crater in the road.",
            sources="street_01.jpg to street_04.jpg, four phones, 19:32 to 20:24 local time. "
                    + _NOTICE)
        done += 2
        progress(Progress(done, total, "added the incidents"))
        for name in (SHOTS[0].name, SHOTS[1].name):
            link_evidence(case, palmyra.id, ids[name])
        done += 2
        progress(Progress(done, total, "linked the colonnade photos"))
        for name, (_, regions) in photos.items():
            incident = None if name == SHOTS[0].name else (
                palmyra.id if name == SHOTS[1].name else douma.id)
            for label, shape, geometry, note in regions:
                add_region(case, ids[name], label, shape, geometry, note=note,
                           incident_id=incident)
                done += 1
                progress(Progress(done, total, f"tagged {label} on {name}"))
        _add_flight(case, photos[SHOTS[1].name][0], directory / "video", palmyra.id)
        progress(Progress(total, total, "added the drone clip and its kept frame"))
    except BaseException:
        case.close()
        shutil.rmtree(target, ignore_errors=True)
        raise
    case.close()
    return target


def _add_flight(case, after_photo: Path, folder: Path, incident_id: str) -> None:
    """The drone clip over the colonnade, its telemetry, and one kept frame, tagged."""
    from reviewer.core.frames import keep_frame
    from reviewer.core.importer import import_paths
    from reviewer.core.incidents import link_evidence
    from reviewer.core.regions import add_region

    flight = make_flight(after_photo, folder)
    report = import_paths(case, [flight.video])
    if report.errors or not report.imported:
        raise CaseError(flight.video, f"the demo clip could not be imported: {report.errors}")
    video_id = report.imported[0]["id"]
    link_evidence(case, incident_id, video_id)
    frame = keep_frame(case, video_id, flight.keep_index)
    for number, polygon in enumerate(flight.toppled, 1):
        add_region(case, frame.id, "toppled column", "polygon",
                   {"points": [list(p) for p in polygon]}, incident_id=incident_id,
                   note=f"fallen column {number} seen from the drone")
