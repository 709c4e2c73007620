"""Content Credentials in the app: the browser's filter and the metadata panel's line."""

from __future__ import annotations

from PySide6.QtCore import Qt

from reviewer.core.case import create_case
from reviewer.core.importer import import_paths
from reviewer.ui.browser import CREDENTIAL_CHOICES, item_badges
from reviewer.ui.evidence_model import RowRole
from tests.conftest import corpus_path


def _names(model) -> set[str]:
    return {model.index(r, 0).data() for r in range(model.rowCount())}


def test_filter_on_credentials_and_read_them_in_the_metadata_panel(
        window, qtbot, tmp_path, photo_factory):
    case = create_case(tmp_path / "received", actor="setup")
    import_paths(case, [corpus_path("c2pa/valid_manifest_test_cert.jpg"),
                        corpus_path("c2pa/EDGE_altered_after_signing.jpg"),
                        photo_factory(name="plain.jpg")])
    path = case.path
    case.close()
    window.open_case(path)
    qtbot.waitUntil(window.workspace.splitter.isVisible, timeout=5000)
    view = window.workspace.browser.view
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)

    # Down arrows on the credentials choice, as a keyboard user would pick "INVALID".
    combo = window.workspace.browser.filters.credentials
    combo.setFocus()
    wanted = [value for _text, value in CREDENTIAL_CHOICES].index("invalid")
    for _ in range(wanted):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "invalid"
    qtbot.waitUntil(lambda: _names(model) == {"EDGE_altered_after_signing.jpg"}, timeout=5000)

    index = model.index(0, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: window.workspace.current_id == index.data(RowRole)["id"],
                    timeout=5000)
    badges = [text for text, _colour in item_badges(index.data(RowRole), {})]
    assert "CR ✗" in badges
    line = window.workspace.metadata.credentials.text()
    assert line.startswith("Content Credentials: signed by C2PA Signer")
    assert "INVALID: assertion.dataHash.mismatch" in line

    qtbot.keyClick(combo, Qt.Key.Key_Up)          # "Credentials untrusted"
    qtbot.waitUntil(lambda: _names(model) == {"valid_manifest_test_cert.jpg"}, timeout=5000)
    for _ in range(2):
        qtbot.keyClick(combo, Qt.Key.Key_Up)      # "No credentials"
    assert combo.currentData() == "none"
    qtbot.waitUntil(lambda: _names(model) == {"plain.jpg"}, timeout=5000)
    index = model.index(0, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: window.workspace.current_id == index.data(RowRole)["id"],
                    timeout=5000)
    assert window.workspace.metadata.credentials.text() == "none"
    assert not [text for text, _colour in item_badges(index.data(RowRole), {})
                if text.startswith(("CR", "PROOF"))]


def test_a_frame_is_saved_as_a_signed_copy_from_the_app(window, qtbot, tmp_path, photo_factory):
    import json

    import c2pa
    from PySide6.QtWidgets import QLabel, QMessageBox

    from reviewer.core.evidence import EvidenceFilter, list_evidence
    from reviewer.core.frames import keep_frame
    from tests.core.test_frames import _make_clip

    case = create_case(tmp_path / "flight", actor="setup")
    import_paths(case, [_make_clip(tmp_path / "clip", frames=30), photo_factory("p.jpg")])
    (video,) = list_evidence(case, EvidenceFilter(kind="video"))
    frame_id = keep_frame(case, video.id, 12).id
    photo_id = list_evidence(case, EvidenceFilter(kind="photo"))[0].id
    path = case.path
    case.close()
    window.open_case(path)
    qtbot.waitUntil(window.workspace.splitter.isVisible, timeout=5000)

    out = tmp_path / "frame12.png"
    assert window.share.start_signed_copy(frame_id, out)
    qtbot.waitUntil(lambda: window.share.last_dialog is not None
                    and window.share.last_dialog.isVisible(), timeout=30000)
    heading = " ".join(label.text() for label in window.share.last_dialog.findChildren(QLabel))
    assert "c2pa.cropped" in heading and "installation" in heading
    with open(out, "rb") as handle, c2pa.Reader("image/png", handle) as reader:
        assert reader.get_validation_state() == "Valid"
        failures = json.loads(reader.json())["validation_results"]["activeManifest"]["failure"]
    assert [f["code"] for f in failures] == ["signingCredential.untrusted"]

    # An original is shared as received: refused with one line, nothing written.
    refused = tmp_path / "photo.png"
    assert window.share.start_signed_copy(photo_id, refused)
    qtbot.waitUntil(lambda: any(box.isVisible() and "share the original itself" in box.text()
                                for box in window.findChildren(QMessageBox)), timeout=30000)
    assert not refused.exists()


def test_a_checked_proofmode_bundle_reads_in_the_metadata_panel(
        window, qtbot, tmp_path, photo_factory):
    from tests.core.test_proofmode_signature import _bundle, _key

    case = create_case(tmp_path / "received", actor="setup")
    good = _bundle(tmp_path / "good", photo_factory("good.jpg"), _key())
    changed = _bundle(tmp_path / "changed", photo_factory("changed.jpg"), _key(),
                      by_hash=False)
    changed.write_bytes(changed.read_bytes() + b"\0")   # a byte added after signing
    import_paths(case, [good.parent, changed.parent], recursive=True)
    path = case.path
    case.close()
    window.open_case(path)
    qtbot.waitUntil(window.workspace.splitter.isVisible, timeout=5000)
    view = window.workspace.browser.view
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)

    panel = window.workspace.metadata.credentials
    seen = {}
    for row in range(2):
        index = model.index(row, 0)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualRect(index).center())
        qtbot.waitUntil(lambda index=index: window.workspace.current_id
                        == index.data(RowRole)["id"], timeout=5000)
        seen[index.data()] = (panel.text(), panel.styleSheet())
    text, style = seen["good.jpg"]
    assert text.startswith("ProofMode bundle: signed by noone@proofmode.witness.org (key ")
    assert "untrusted signer" in text and style == ""
    text, style = seen["changed.jpg"]
    assert "INVALID: proofmode.signature.mismatch" in text and "#a11" in style
