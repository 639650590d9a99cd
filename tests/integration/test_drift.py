import datetime as dt
import json
import re

import numpy as np
import polars as pl
import pytest

from twinforge.io.schema import ColumnKind, infer_schema
from twinforge.monitoring.data_drift import data_drift_report, drift_columns


def make_batch(n: int, seed: int, *, income_shift_sd: float = 0.0, paris_share: float = 0.7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "patient_id": np.arange(n) + seed * n,
            "age": pl.Series(rng.integers(18, 90, n), dtype=pl.Int32),
            "income": rng.normal(50_000 + income_shift_sd * 8_000, 8_000, n),
            "city": np.where(rng.random(n) < paris_share, "Paris", "Lyon").tolist(),
            "smoker": (rng.random(n) < 0.3).tolist(),
            "visit": [dt.datetime(2024, 1, 1) + dt.timedelta(hours=int(h)) for h in rng.integers(0, 5000, n)],
            "note": [f"note {i}" for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def schema():
    return infer_schema(make_batch(100, 0), identifiers=["patient_id"], overrides={"note": ColumnKind.TEXT})


@pytest.fixture(scope="module")
def reference() -> pl.DataFrame:
    return make_batch(2000, 1)


def test_column_selection_skips_identifiers_text_and_missing_columns(reference, schema):
    kinds, skipped = drift_columns(reference, reference.drop("age"), schema)
    assert kinds == {"income": "numerical", "city": "categorical", "smoker": "categorical", "visit": "numerical"}
    assert skipped == {"patient_id": "identifier", "age": "missing from current", "note": "text"}


def test_same_distribution_does_not_drift(reference, schema, tmp_path):
    current = make_batch(2000, 2).with_columns(pl.col("age").cast(pl.Int64))
    summary = data_drift_report(reference, current, schema, tmp_path / "drift.html", json_path=tmp_path / "drift.json")
    assert not summary.dataset_drift, summary.to_dict()
    assert summary.drifted_columns == [] and summary.drift_share_observed == 0.0
    assert summary.n_columns == 5 and list(summary.columns) == ["age", "income", "city", "smoker", "visit"]
    assert set(summary.skipped_columns) == {"patient_id", "note"}
    assert summary.html_path.stat().st_size > 100_000
    assert "<html" in summary.html_path.read_text()[:2000].lower()
    assert json.loads(summary.json_path.read_text())


def test_shifted_numeric_and_flipped_category_drift(reference, schema, tmp_path):
    current = make_batch(2000, 3, income_shift_sd=3.0, paris_share=0.3)
    summary = data_drift_report(reference, current, schema, tmp_path / "drift.html")
    assert summary.drifted_columns == ["income", "city"]
    assert summary.drift_share_observed == pytest.approx(2 / 5)
    assert not summary.dataset_drift  # 0.4 < default share 0.5
    assert summary.columns["income"].method.startswith("Wasserstein")
    assert summary.columns["income"].score > summary.columns["income"].threshold

    strict = data_drift_report(reference, current, schema, tmp_path / "strict.html", drift_share=0.4)
    assert strict.dataset_drift


def test_small_samples_use_p_values_and_datetimes_are_compared(schema, tmp_path):
    # <= 1000 rows: Evidently switches to K-S / chi-square p-values, where drift means a LOW score
    reference, current = make_batch(400, 4), make_batch(400, 5, income_shift_sd=3.0)
    current = current.with_columns(pl.col("visit").dt.offset_by("1y"))
    summary = data_drift_report(reference, current, schema, tmp_path / "small.html")
    income = summary.columns["income"]
    assert income.drifted and "p_value" in income.method and income.score < income.threshold
    assert set(summary.drifted_columns) == {"income", "visit"}


def test_summary_to_dict_is_json_metadata(reference, schema, tmp_path):
    summary = data_drift_report(reference, make_batch(2000, 6, paris_share=0.2), schema, tmp_path / "d.html")
    d = summary.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["drifted_columns"] == ["city"] and d["n_drifted_columns"] == 1 and d["n_columns"] == 5
    assert set(d["columns"]["city"]) == {"kind", "method", "threshold", "score", "drifted", "test_drifted"}
    assert d["html_path"].endswith("d.html") and d["json_path"] is None


def test_no_comparable_column_is_an_error(schema, tmp_path):
    only_ids = infer_schema(pl.DataFrame({"patient_id": [1, 2]}), identifiers=["patient_id"])
    with pytest.raises(ValueError, match="no column"):
        data_drift_report(make_batch(50, 1), make_batch(50, 2), only_ids, tmp_path / "x.html")


def test_method_and_threshold_override_the_defaults(reference, schema, tmp_path):
    summary = data_drift_report(
        reference, make_batch(2000, 7), schema, tmp_path / "psi.html", method="psi", threshold=0.2
    )
    assert {c.method.lower() for c in summary.columns.values()} == {"psi"}
    assert {c.threshold for c in summary.columns.values()} == {0.2}
    assert not summary.dataset_drift


def test_the_drift_report_names_no_category_that_few_real_rows_hold(tmp_path):
    """A label one person holds (their name, kept in a category column) never reaches the HTML logged to MLflow."""
    from twinforge.evaluation.fidelity import MIN_NAMED_COUNT

    common = ["Lyon"] * 300 + ["Paris"] * 290
    reference = pl.DataFrame({"city": [*common, "Margaret Thornton", *["Nadia Quill"] * (MIN_NAMED_COUNT - 1)]})
    current = pl.DataFrame({"city": [*common[:-60], *["Zzqcityname Marker"] * 70]})  # new and common
    summary = data_drift_report(reference, current, infer_schema(reference), tmp_path / "drift.html")
    page = (tmp_path / "drift.html").read_text()
    assert "Lyon" in page and "Paris" in page
    assert not [name for name in ("Margaret Thornton", "Nadia Quill", "Zzqcityname") if name in page]
    assert summary.drifted_columns == ["city"]  # the new label still drifts, pooled as "(other)"


def _script_elements(page: str) -> list[str]:
    """The opening tags and text of every script element, as a browser's tokenizer splits them."""
    from html.parser import HTMLParser

    found = []

    class Scripts(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "img", "body"):
                found.append(tag)

    Scripts().feed(page)
    return found


def test_markup_in_column_names_and_categories_stays_data_in_the_drift_page(tmp_path, umask_022):
    # Evidently embeds its data as JSON in an inline <script>: a "</script>" inside a name or a category
    # ended that element early, and what followed ran as the page's own markup
    rng = np.random.default_rng(0)
    name, value = "</script><script>alert(1)</script>", "</script><img src=x onerror=alert(5)><body>"

    def batch(shift):
        return pl.DataFrame({name: rng.normal(shift, 1, 300), "k": rng.choice(["x", value], 300).tolist()})

    reference, current = batch(0), batch(1)
    clean = data_drift_report(
        reference.rename({name: "a"}).with_columns(pl.lit("x").alias("k")),
        current.rename({name: "a"}).with_columns(pl.lit("x").alias("k")),
        infer_schema(reference.rename({name: "a"})),
        tmp_path / "clean.html",
    )
    hostile = data_drift_report(
        reference, current, infer_schema(reference), tmp_path / "drift.html", json_path=tmp_path / "drift.json"
    )
    page = hostile.html_path.read_text()
    assert "alert(1)" in page and "onerror=alert(5)" in page  # the data is all there, as text of the data block
    assert _script_elements(page) == _script_elements(clean.html_path.read_text())
    assert json.loads((tmp_path / "drift.json").read_text())  # the JSON copy is untouched, still valid
    assert {oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()} == {"0o600"}


def test_a_hostile_drift_page_renders_its_data_and_runs_none_of_it_in_chromium(tmp_path):
    from tests.integration.test_evaluation_report import _chromium, _headless

    chromium = _chromium()
    rng = np.random.default_rng(1)
    name = "</script><script>document.documentElement.setAttribute('data-pwned', '1')</script>"
    frames = [
        pl.DataFrame({name: rng.normal(shift, 1, 300), "city": rng.choice(["Paris", "Lyon"], 300).tolist()})
        for shift in (0, 1)
    ]
    summary = data_drift_report(*frames, infer_schema(frames[0]), tmp_path / "drift.html")
    dom = _headless(
        chromium, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom", summary.html_path.as_uri()
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "data-pwned" not in dom.stdout.split("<head>")[0]  # the payload never ran
    assert re.search(r'id="root_metric_[0-9a-f]+"><div', dom.stdout)  # the dashboard was drawn from the data
    assert "setAttribute(&#39;data-pwned&#39;" in dom.stdout or "setAttribute('data-pwned'" in dom.stdout
