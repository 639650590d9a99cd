import hashlib
import hmac

import polars as pl
import pytest

from twinforge.anonymize import MissingKeyError, apply_policy, pseudonym_key_from_env, pseudonymize
from twinforge.split import split_train_holdout

KEY = b"k" * 32


def test_pseudonymize_is_keyed_hmac_and_keeps_nulls():
    s = pl.Series("id", [1, 2, None, 1])
    out = pseudonymize(s, KEY)
    expected = hmac.new(KEY, b"1", hashlib.sha256).hexdigest()
    assert out.to_list() == [expected, out[1], None, expected]
    assert out[1] != expected
    assert pseudonymize(s, b"x" * 32)[0] != expected  # another key, another token


def test_apply_policy_drops_and_pseudonymizes_without_losing_rows(demo_table):
    policy = {"fake_first_name": "drop", "fake_last_name": "drop", "subject_id": "pseudonymize", "rownames": "drop"}
    out, report = apply_policy(demo_table, policy, key=KEY)
    assert out.height == demo_table.height
    assert not {"fake_first_name", "fake_last_name", "rownames"} & set(out.columns)
    raw_ids = set(demo_table["subject_id"].cast(pl.String).to_list())
    assert not raw_ids & set(out["subject_id"].to_list())
    assert out["subject_id"].n_unique() == demo_table["subject_id"].n_unique()
    assert report.to_dict()["pseudonymized"] == ["subject_id"]
    assert set(report.columns_with("drop")) == {"fake_first_name", "fake_last_name", "rownames"}


def test_pseudonymize_without_key_refuses_clearly(demo_table):
    with pytest.raises(MissingKeyError, match="TWINFORGE_PSEUDONYM_KEY is not set"):
        apply_policy(demo_table, {"subject_id": "pseudonymize"}, key=None)
    with pytest.raises(MissingKeyError, match="too short"):
        apply_policy(demo_table, {"subject_id": "pseudonymize"}, key=b"short")


def test_policy_naming_unknown_column_fails(demo_table):
    with pytest.raises(KeyError, match="not_a_column"):
        apply_policy(demo_table, {"not_a_column": "drop"})


def test_key_only_from_environment():
    assert pseudonym_key_from_env({"TWINFORGE_PSEUDONYM_KEY": "abc"}) == b"abc"
    assert pseudonym_key_from_env({}) is None


def test_split_is_seeded_disjoint_and_complete(demo_table):
    train, holdout = split_train_holdout(demo_table, 0.2, seed=3)
    assert train.height + holdout.height == demo_table.height
    assert holdout.height == round(0.2 * demo_table.height)
    assert not set(train["rownames"].to_list()) & set(holdout["rownames"].to_list())
    again, _ = split_train_holdout(demo_table, 0.2, seed=3)
    assert again.equals(train)
    other, _ = split_train_holdout(demo_table, 0.2, seed=4)
    assert not other.equals(train)
    with pytest.raises(ValueError, match="both parts need rows"):
        split_train_holdout(demo_table.head(1), 0.2, seed=0)
