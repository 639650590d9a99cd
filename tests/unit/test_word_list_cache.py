"""Word lists kept on disk between processes (twinforge.privacy.pii.disk_cache): built once per fingerprint,
read back by later processes, rebuilt when unreadable, and never in the way when the cache cannot be written."""

import json

from twinforge.privacy.pii import recognizers
from twinforge.privacy.pii.disk_cache import CACHE_DIR_ENV, kept_on_disk, lists_fingerprint

WORDS = frozenset({"ana", "lopez", "zoë"})


def counting_build():
    counting_build.calls += 1
    return WORDS


def _list_file(folder):
    [path] = (folder / lists_fingerprint()).glob("*counting_build.json")
    return path


def test_a_list_is_built_once_and_read_back_by_a_later_process(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    counting_build.calls = 0
    assert kept_on_disk(counting_build)() == WORDS
    assert kept_on_disk(counting_build)() == WORDS  # a fresh wrapper: what a new process has
    assert counting_build.calls == 1
    assert set(json.loads(_list_file(tmp_path).read_text(encoding="utf-8"))) == WORDS


def test_an_unreadable_list_is_built_again_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    counting_build.calls = 0
    kept_on_disk(counting_build)()
    _list_file(tmp_path).write_text('["ana", "lop', encoding="utf-8")  # cut short
    assert kept_on_disk(counting_build)() == WORDS
    assert counting_build.calls == 2
    assert set(json.loads(_list_file(tmp_path).read_text(encoding="utf-8"))) == WORDS


def test_a_cache_folder_that_cannot_be_written_only_costs_the_build(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocked))
    counting_build.calls = 0
    assert kept_on_disk(counting_build)() == WORDS
    assert kept_on_disk(counting_build)() == WORDS
    assert counting_build.calls == 2
    assert blocked.is_file()


def test_the_fingerprint_covers_the_shipped_lists_and_the_code(tmp_path, monkeypatch):
    import twinforge.privacy.pii.disk_cache as disk_cache

    before = lists_fingerprint()
    package = tmp_path / "pii"
    for name in ("recognizers.py", "data/person_names.txt.gz"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_bytes(b"x")
    monkeypatch.setattr(disk_cache, "_PACKAGE", package)
    lists_fingerprint.cache_clear()
    try:
        copied = lists_fingerprint()
        (package / "data/person_names.txt.gz").write_bytes(b"y")
        lists_fingerprint.cache_clear()
        assert len({before, copied, lists_fingerprint()}) == 3
    finally:
        lists_fingerprint.cache_clear()


def test_the_real_lists_read_back_are_the_lists_built(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    for lists in (recognizers.known_names, recognizers.not_name_words):
        built = lists.__wrapped__()
        assert kept_on_disk(lists.__wrapped__)() == built  # written
        assert kept_on_disk(lists.__wrapped__)() == built  # read back


def test_a_list_others_could_have_written_is_never_read(tmp_path, monkeypatch):
    # the lists decide what is masked: a shared, writable cache folder must not be able to unmask a name
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    counting_build.calls = 0
    kept_on_disk(counting_build)()
    path = _list_file(tmp_path)
    path.write_text(json.dumps(["poisoned"]), encoding="utf-8")
    path.chmod(0o666)
    assert kept_on_disk(counting_build)() == WORDS
    path.chmod(0o600)
    assert path.stat().st_mode & 0o777 == 0o600  # written again, owner-only
    path.write_text(json.dumps(["poisoned"]), encoding="utf-8")
    path.parent.chmod(0o777)
    assert kept_on_disk(counting_build)() == WORDS
    assert counting_build.calls == 3
    path.parent.chmod(0o700)
    assert kept_on_disk(counting_build)() == frozenset({"poisoned"})  # the owner's own file in its own folder: read


def test_lists_are_written_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    counting_build.calls = 0
    kept_on_disk(counting_build)()
    path = _list_file(tmp_path / "cache")
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
