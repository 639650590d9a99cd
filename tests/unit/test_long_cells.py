"""Long text cells (discharge notes, base64 blobs) go through PII detection in time that grows with their length:
a name pattern that backtracked quadratically made 8 notes of 40 KB take minutes (cells up to 1 MB are accepted)."""

import subprocess
import sys

import pytest

from twinforge.privacy.pii.recognizers import plain_name_text

# a hang detector, not a speed target: the quadratic pattern needed about 80 s for one such cell on a 2-core
# machine, the linear one milliseconds
HANG_SECONDS = 60


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("Lopez (Ana)", "Lopez Ana"),
        ("Ploy (Ana Lopez)", "Ploy Ana Lopez"),
        ("Dr. Lopez  (Ana Maria)", "Dr. Lopez Ana Maria"),
        ("12 (Ana)", "12 (Ana)"),  # no letter before the bracket: no name
    ],
)
def test_a_name_with_its_bracketed_part_is_read_as_before(value, plain):
    assert plain_name_text(value) == plain


def test_a_long_note_is_read_in_linear_time():
    code = (
        "from twinforge.privacy.pii.recognizers import plain_name_text\n"
        "note = ' '.join(['the patient reported mild pain after the procedure'] * 1200)\n"
        "assert plain_name_text(note) == note\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=HANG_SECONDS)
