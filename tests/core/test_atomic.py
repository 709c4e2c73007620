"""The one write-to-a-temporary-then-rename helper every writer uses."""

from __future__ import annotations

import pytest

from reviewer.core.atomic import replacing, write_atomically


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary(tmp_path):
    target = tmp_path / "picture.png"
    target.write_bytes(b"the old picture")
    with pytest.raises(OSError), replacing(target) as temporary:
        temporary.write_bytes(b"half of the new")
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"the old picture"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["picture.png"]


def test_a_cancelled_write_leaves_no_file_at_all(tmp_path):
    target = tmp_path / "new.jpg"
    with pytest.raises(KeyboardInterrupt), replacing(target) as temporary:
        temporary.write_bytes(b"partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("durable", [False, True])
def test_a_complete_write_replaces_the_file(tmp_path, durable):
    target = tmp_path / "thumb.jpg"
    target.write_bytes(b"old")
    write_atomically(target, b"new bytes", durable=durable)
    assert target.read_bytes() == b"new bytes"
    assert [path.name for path in tmp_path.iterdir()] == ["thumb.jpg"]
