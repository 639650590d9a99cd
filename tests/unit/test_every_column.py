"""Every column kept: a wide table with a high-cardinality job-title column comes out whole from every
generator, rare values never come back (in samples or in the saved model), and the generated text
column's fidelity is reported."""

import json

import numpy as np
import polars as pl
import pytest

from twinforge.encoders import RARE_PLACEHOLDER
from twinforge.evaluation.fidelity import fidelity_report
from twinforge.generators import create_generator
from twinforge.io.schema import ColumnKind, infer_schema

ROWS = 3000
PLANTED_TITLE = "chief quantum llama whisperer"
PLANTED_LEVEL = "zz planted level"
# Enough epochs for the neural models to learn the title's rare bucket (most rows); an undertrained
# one-hot decoder picks levels about uniformly, i.e. almost only frequent titles.
QUICK = {
    "copula": {},
    "gan": {"epochs": 10, "batch_size": 200},
    "vae": {"epochs": 30, "batch_size": 200},
    "transformer": {"epochs": 10},
}

SENIORITY = ["senior", "junior", "lead", "chief", "assistant", "head", "deputy", "principal", "staff", "associate"]
FIELD = [
    "software", "sales", "data", "marketing", "nursing", "finance", "legal", "warehouse", "customer",
    "security", "research", "quality", "payroll", "facilities", "logistics", "clinical", "network", "retail",
    "operations", "product", "design", "training", "procurement", "compliance", "insurance", "teaching",
    "maintenance", "kitchen", "transport", "property",
]  # fmt: skip
ROLE = ["engineer", "manager", "analyst", "officer", "clerk", "specialist", "coordinator", "technician", "director"]


def wide_table(rows: int = ROWS, seed: int = 0) -> pl.DataFrame:
    """55 columns like a lending table: an id, a job title with thousands of distinct values (Zipf
    distributed, one planted title seen once), categories with rare levels, numbers, flags, dates, notes."""
    rng = np.random.default_rng(seed)
    combos = [f"{s} {f} {r}" for s in SENIORITY for f in FIELD for r in ROLE]
    rng.shuffle(combos)
    weights = 1.0 / np.arange(1, len(combos) + 1) ** 0.3
    titles = rng.choice(combos, rows, p=weights / weights.sum()).astype(object)
    titles[rng.random(rows) < 0.08] = None
    titles[7] = PLANTED_TITLE
    income = rng.lognormal(10.8, 0.5, rows)
    columns: dict[str, object] = {"loan_id": [f"L{i:06d}" for i in range(rows)], "job_title": titles}
    for j in range(10):  # five frequent levels each, plus a tail of rare ones
        frequent = rng.choice([f"c{j}_{k}" for k in range(5)], rows)
        rare = rng.random(rows) < 0.03
        frequent[rare] = [f"c{j} rare {k}" for k in rng.integers(0, 60, rare.sum())]
        columns[f"cat_{j}"] = frequent
    columns["cat_0"][11] = PLANTED_LEVEL
    for j in range(20):
        columns[f"float_{j}"] = income * rng.uniform(0.01, 0.5) + rng.normal(0, 100, rows)
    for j in range(15):
        columns[f"int_{j}"] = rng.poisson(1 + j, rows)
    for j in range(5):
        columns[f"flag_{j}"] = rng.random(rows) < 0.2 + 0.1 * j
    start = np.datetime64("2020-01-01")
    columns["opened"] = start + rng.integers(0, 1500, rows).astype("timedelta64[D]")
    columns["issued"] = start + rng.integers(1500, 2000, rows).astype("timedelta64[D]")
    columns["notes"] = [
        f"applicant {i} called about the loan and asked to change the payment date" for i in range(rows)
    ]
    df = pl.DataFrame(columns)
    assert df.width == 55
    return df


# Columns the neural generators learn here: the title and a few others (fitting all 55 columns with
# mode-specific normalisation takes minutes on a shared 2-core machine; the copula takes all 55).
NARROW_ROWS = 1500
NARROW = ["loan_id", "job_title", "cat_0", "cat_1", "float_0", "int_0", "flag_0", "opened", "notes"]


@pytest.fixture(scope="module")
def wide() -> pl.DataFrame:
    return wide_table()


@pytest.fixture(scope="module", params=list(QUICK))
def fitted(request, wide, tmp_path_factory):
    """(table, generator, saved model directory, synthetic sample) per model."""
    model = request.param
    table = wide if model == "copula" else wide.select(NARROW).head(NARROW_ROWS)
    schema = infer_schema(table, identifiers=["loan_id"])
    generator = create_generator(model, seed=0, **QUICK[model]).fit(table, schema)
    directory = generator.save(tmp_path_factory.mktemp(model))
    return table, generator, directory, generator.sample(1500, seed=1)


def rare_values(series: pl.Series, below: int = 5) -> list[str]:
    counts = series.drop_nulls().rename("value").value_counts()
    return counts.filter(pl.col("count") < below).get_column("value").to_list()


def test_the_table_is_like_the_issues(wide):
    schema = infer_schema(wide, identifiers=["loan_id"])
    assert wide.width == 55 and wide["job_title"].n_unique() > 1500
    assert schema["job_title"].kind is ColumnKind.TEXT and schema["notes"].kind is ColumnKind.TEXT


def test_every_column_comes_out_but_the_identifier_and_the_notes(fitted):
    table, generator, _, synthetic = fitted
    assert synthetic.columns == [c for c in table.columns if c not in ("loan_id", "notes")]
    assert list(generator.encoder.skipped_columns) == ["notes"]
    assert "long free text" in generator.encoder.skipped_columns["notes"]
    titles = synthetic["job_title"]
    assert titles.n_unique() > 200 and 0 < titles.null_count() < 0.3 * synthetic.height


def test_no_rare_value_and_no_placeholder_in_samples(fitted):
    table, _, _, synthetic = fitted
    for name in [c for c in synthetic.columns if c == "job_title" or c.startswith("cat_")]:
        values = set(synthetic[name].drop_nulls().to_list())
        assert RARE_PLACEHOLDER not in values, name
        assert not values & set(rare_values(table[name])), name
    assert PLANTED_TITLE not in synthetic["job_title"].to_list()
    assert PLANTED_LEVEL not in synthetic["cat_0"].to_list()


def test_no_rare_value_in_the_saved_model(fitted):
    table, _, directory, _ = fitted
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert PLANTED_TITLE.encode() not in data and PLANTED_LEVEL.encode() not in data, path
        assert b"quantum" not in data and b"whisperer" not in data, path  # not even its own words
    model_json = (directory / "model.json").read_text()
    quoted = {json.dumps(v) for name in ("job_title", "cat_0") for v in rare_values(table[name])}
    assert not any(q in model_json for q in quoted)


def test_generated_titles_keep_the_columns_shape(fitted):
    table, generator, _, synthetic = fitted
    text = fidelity_report(table.drop("loan_id"), synthetic, generator.schema)["text"]["job_title"]
    assert text["rare_real_share"] == 0.0
    assert text["length_tvd"] < 0.3 and text["char_ngram_similarity"] > 0.8
    assert abs(text["frequent_share"]["synthetic"] - text["frequent_share"]["real"]) < 0.2


def test_the_spec_chooses_the_placeholder_and_suppress_rare_still_gives_other(demo_table, tmp_path):
    from tests.conftest import DEMO_CSV
    from twinforge.config.spec import parse_spec
    from twinforge.generators.training import train_generator
    from twinforge.privacy.anonymize import anonymize_table

    table = demo_table.drop("fake_first_name", "fake_last_name", "rownames", "subject_id")
    columns = {"clinic_name": {"rare": "rare_token"}}
    spec = parse_spec({"name": "demo", "source": {"path": str(DEMO_CSV)}, "columns": columns})
    synthetic = train_generator(table, spec, tmp_path / "placeholder").generator.sample(5000, seed=1)
    clinics = table["clinic_name"].value_counts()
    rare_share = clinics.filter(pl.col("count") < 5)["count"].sum() / table.height
    assert rare_share > 0.002  # the demo table has rare clinics: some synthetic rows get the placeholder
    assert (synthetic["clinic_name"] == RARE_PLACEHOLDER).any()
    assert not synthetic["clinic_name"].is_in(rare_values(table["clinic_name"])).any()

    # anonymization's suppress_rare runs first: its "other" is a frequent level, nothing is generated for it
    suppressing = parse_spec(
        {
            "name": "demo",
            "source": {"path": str(DEMO_CSV)},
            "columns": {"clinic_name": {"anonymize": "suppress_rare", "min_count": 50}},
        }
    )
    anonymized = anonymize_table(table, suppressing.columns, suppressing.privacy, key=None).table
    kept = set(anonymized["clinic_name"].drop_nulls())
    synthetic = train_generator(anonymized, suppressing, tmp_path / "other").generator.sample(5000, seed=1)
    assert "other" in kept and set(synthetic["clinic_name"].drop_nulls()) <= kept
    assert (synthetic["clinic_name"] == "other").mean() == pytest.approx(
        (anonymized["clinic_name"] == "other").mean(), abs=0.03
    )


def test_the_text_fidelity_is_on_the_report_page_without_rare_values(wide, tmp_path):
    from twinforge.evaluation import write_report_html

    schema = infer_schema(wide, identifiers=["loan_id"])
    synthetic = create_generator("copula", seed=0).fit(wide, schema).sample(2000, seed=1)
    page = write_report_html({"fidelity": fidelity_report(wide, synthetic, schema)}, tmp_path / "q.html", title="t")
    html = page.read_text()
    assert "Generated text columns" in html and ">job_title<" in html
    assert not any(f">{title}<" in html or f'"{title}"' in html for title in rare_values(wide["job_title"]))
