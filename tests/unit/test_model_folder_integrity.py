"""A saved model folder loads as the one model that was saved into it, or not at all.

Reproduced: a model folder saved again by a process killed between ``model.json`` and ``weights.pt`` loaded
without a word as a chimera, the new model's columns and ranges with the old model's correlation; two saves
into one folder at once could do the same. Now ``model.json`` is removed first and written last, with the
SHA-256 of every other file in it.
"""

import json
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from tests.conftest import REPO
from twinforge import Synthesizer
from twinforge.generators import load_generator, persistence

ROWS = 300


def _tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, ROWS)
    positive = pl.DataFrame({"x": x, "y": x + rng.normal(0, 0.1, ROWS)})
    negative = pl.DataFrame({"x": x * 10 + 100, "y": -x * 10 + rng.normal(0, 1, ROWS)})
    return positive, negative


def test_a_save_killed_before_it_finished_leaves_a_folder_that_does_not_load(tmp_path):
    folder = tmp_path / "model"
    child = (
        "import os, signal, sys, numpy as np, polars as pl\n"
        "from twinforge import Synthesizer\n"
        "from twinforge.io import permissions\n"
        f"rng = np.random.default_rng(0); x = rng.normal(0, 1, {ROWS})\n"
        "frame = pl.DataFrame({'x': x, 'y': x + rng.normal(0, 0.1, x.size)})\n"
        "fitted = Synthesizer(seed=0).fit(frame if sys.argv[1] == 'first' else frame * -1)\n"
        "if sys.argv[1] == 'killed':\n"
        "    write = permissions.write_private\n"
        "    def write_then_die(path, how):\n"  # killed once the weights are written, before model.json
        "        write(path, how)\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    import twinforge.generators.persistence as persistence\n"
        "    persistence.write_private = write_then_die\n"
        "fitted.save(sys.argv[2])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", child, "first", str(folder)], check=True, env=env)
    killed = subprocess.run([sys.executable, "-c", child, "killed", str(folder)], env=env)
    assert killed.returncode == -signal.SIGKILL
    with pytest.raises(FileNotFoundError, match=r"model\.json is missing \(a save that did not finish leaves none\)"):
        Synthesizer.load(folder)


def test_files_of_two_saves_in_one_folder_are_refused(tmp_path):
    positive, negative = _tables()
    first = Synthesizer(seed=0).fit(positive).save(tmp_path / "first")
    second = Synthesizer(seed=0).fit(negative).save(tmp_path / "second")
    mixed = tmp_path / "mixed"
    shutil.copytree(second, mixed)
    shutil.copy(first / persistence.WEIGHTS_FILE, mixed / persistence.WEIGHTS_FILE)
    with pytest.raises(ValueError, match=r"weights\.pt is not the file model\.json was saved with .* save the model"):
        Synthesizer.load(mixed)
    with pytest.raises(ValueError, match=r"weights\.pt is not the file model\.json was saved with"):
        load_generator(mixed)


def test_the_frame_file_of_another_save_is_refused(tmp_path):
    positive, _ = _tables()
    as_pandas = Synthesizer(seed=0).fit(positive.to_pandas()).save(tmp_path / "pandas")
    as_polars = Synthesizer(seed=0).fit(positive).save(tmp_path / "polars")
    shutil.copy(as_polars / "synthesizer.json", as_pandas / "synthesizer.json")
    with pytest.raises(ValueError, match=r"synthesizer\.json is not the file model\.json was saved with"):
        Synthesizer.load(as_pandas)


def test_a_generator_saved_over_a_synthesizer_folder_ignores_the_stale_frame_file(tmp_path):
    positive, negative = _tables()
    folder = Synthesizer(seed=0).fit(positive.to_pandas()).save(tmp_path / "model")
    Synthesizer(seed=0).fit(negative)._generator.save(folder)  # Generator.save: no frame file of its own
    assert (folder / "synthesizer.json").exists()
    twin = Synthesizer.load(folder).sample(50, seed=1)
    assert isinstance(twin, pl.DataFrame) and twin["x"].min() > 50  # the second model, as polars


def test_every_file_beside_model_json_is_listed_with_its_digest(tmp_path):
    positive, _ = _tables()
    folder = Synthesizer(seed=0).fit(positive).save(tmp_path / "model")
    files = json.loads((folder / "model.json").read_text())["files"]
    assert sorted(files) == sorted(p.name for p in folder.iterdir() if p.name != "model.json")
    assert sorted(files) == ["synthesizer.json", "weights.pt"]


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"../weights.pt": "0" * 64}, r"field 'files' names '\.\./weights\.pt', not a file saved beside model\.json"),
        ({"weights.pt": "not a digest"}, r"field 'files' gives 'weights\.pt' a value that is not a SHA-256"),
        ({}, r"field 'files' lacks weights\.pt"),
        ([], r"field 'files' must be an object, got a list"),
    ],
)
def test_a_tampered_file_list_is_refused(tmp_path, files, said):
    positive, _ = _tables()
    folder = Synthesizer(seed=0).fit(positive).save(tmp_path / "model")
    description = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**description, "files": files}))
    with pytest.raises(ValueError, match=rf"model\.json is not a valid generator description: {said}"):
        load_generator(folder)


def test_a_model_saved_before_digests_is_refused_with_the_version_to_fit_again(tmp_path):
    positive, _ = _tables()
    folder = Synthesizer(seed=0).fit(positive).save(tmp_path / "model")
    description = json.loads((folder / "model.json").read_text())
    del description["files"]
    (folder / "model.json").write_text(json.dumps({**description, "format_version": 1}))
    with pytest.raises(ValueError, match=r"'format_version' is 1: this twinforge reads format 2 .*fit it again"):
        load_generator(folder)


def test_the_folders_a_save_creates_are_owner_only_and_an_existing_one_is_left_as_it_is(tmp_path, umask_022):
    """Reproduced: ``Synthesizer.save`` from Python (umask 022) made the model folder 0755."""
    from tests.conftest import file_mode

    positive, _ = _tables()
    fitted = Synthesizer(seed=0).fit(positive)
    fitted.save(tmp_path / "new" / "model")
    assert file_mode(tmp_path / "new") == 0o700 and file_mode(tmp_path / "new" / "model") == 0o700
    (tmp_path / "shared").mkdir(mode=0o755)
    fitted.save(tmp_path / "shared")
    assert file_mode(tmp_path / "shared") == 0o755  # the user's own folder: not chmodded
    assert {file_mode(p) for p in (tmp_path / "shared").iterdir()} == {0o600}
