"""Rules that act on the same column or on sampling requests: formula + null_if, rules on generated keys, rebalance."""

import numpy as np
import polars as pl
import pytest

from twinforge import Synthesizer
from twinforge.io.schema import infer_schema
from twinforge.rules import RuleError, fit_rules, parse_rules

# ---------------------------------------------------------------------------------------------- formula + null_if

TOTAL_RULES = ["total == price * quantity", {"null_if": {"column": "total", "when": "status == 'cancelled'"}}]


def _orders(n: int = 1500) -> pl.DataFrame:
    """total = price * quantity, null for the 8% cancelled orders: both rules hold on every row."""
    rng = np.random.default_rng(0)
    price = np.round(rng.lognormal(3, 0.5, n), 2)
    quantity = rng.integers(1, 10, n)
    status = rng.choice(["paid", "shipped", "cancelled"], n, p=[0.52, 0.40, 0.08])
    total = pl.Series(np.where(status == "cancelled", np.nan, price * quantity)).fill_nan(None)
    return pl.DataFrame({"price": price, "quantity": quantity, "status": status, "total": total})


def _fixed_draw(frame: pl.DataFrame):
    """A stand-in generator's draw: the same rows, as many as asked for."""

    def draw(rows: int, seed: int, chunk_rows: int):
        out = pl.concat([frame] * (rows // frame.height + 1)).head(rows)
        yield from out.iter_slices(chunk_rows)

    return draw


def test_a_null_if_on_a_formula_column_keeps_its_nulls_and_drops_no_row():
    real = _orders(200)
    fitted = fit_rules(TOTAL_RULES, real, infer_schema(real), rare_min_count=10)
    assert set(fitted.real_violation_rates.values()) == {0.0}
    drawn = real.drop("total")
    out = pl.concat(list(fitted.enforce(_fixed_draw(drawn), 200, 0, 200)))
    # every drawn row kept, in order: nothing was rejected
    assert out.drop("total").equals(drawn)
    cancelled = out["status"] == "cancelled"
    assert out.filter(cancelled)["total"].null_count() == int(cancelled.sum()) == 15
    expected = (out["price"] * out["quantity"]).filter(~cancelled)
    assert out.filter(~cancelled)["total"].to_list() == expected.to_list()


def test_a_formula_reading_a_column_nulled_on_a_formula_column_is_null_there_too():
    real = _orders(200).with_columns(gross=pl.col("total") * 1.2)
    rules = [*TOTAL_RULES, "gross == total * 1.2"]
    fitted = fit_rules(rules, real, infer_schema(real), rare_min_count=10)
    drawn = real.drop("total", "gross")
    out = pl.concat(list(fitted.enforce(_fixed_draw(drawn), 200, 0, 200)))
    assert out.drop("total", "gross").equals(drawn)
    assert out["total"].null_count() == 15
    assert out.select(pl.col("total").is_null() == (pl.col("status") == "cancelled")).to_series().all()
    assert out.select(pl.col("gross").is_null() == pl.col("total").is_null()).to_series().all()
    assert set(fitted.violation_rates(out).values()) == {0.0}


def test_the_class_a_null_if_names_keeps_its_share_when_the_column_is_also_a_formula():
    real = _orders()
    model = Synthesizer("copula", seed=0).fit(real, rules=TOTAL_RULES)
    both = model.sample(2000, seed=1)
    formula_only = Synthesizer("copula", seed=0).fit(real, rules=TOTAL_RULES[:1]).sample(2000, seed=1)
    # the formula never rejects a row, so the null_if only nulls the cancelled totals: the same rows
    cancelled = pl.col("status") == "cancelled"
    assert both.equals(formula_only.with_columns(total=pl.when(cancelled).then(None).otherwise(pl.col("total"))))
    assert both.filter(cancelled).height == formula_only.filter(cancelled).height > 100
    assert set(model.generator.rules.violation_rates(both).values()) == {0.0}


# ---------------------------------------------------------------------------------------------- generated keys


def _invoices(n: int = 1500) -> pl.DataFrame:
    """Drafts (20%) have no invoice number; every other invoice has a unique one."""
    rng = np.random.default_rng(1)
    status = rng.choice(["draft", "sent", "paid"], n, p=[0.2, 0.3, 0.5])
    invoice = np.arange(100_000, 100_000 + n).astype(float)
    invoice[status == "draft"] = np.nan
    return pl.DataFrame(
        {
            "invoice_no": pl.Series(invoice).fill_nan(None).cast(pl.Int64),
            "status": status,
            "amount": np.round(rng.lognormal(5, 1, n), 2),
        }
    )


KEY_RULES = [{"unique": ["invoice_no"]}, {"null_if": {"column": "invoice_no", "when": "status == 'draft'"}}]


def test_a_null_if_on_a_generated_key_nulls_the_keys_it_names():
    real = _invoices()
    synthesizer = Synthesizer("copula", seed=0).fit(real, rules=KEY_RULES, anonymize=False)  # keys as they are
    chunks = list(synthesizer.generator.sample_chunks(2000, seed=0, chunk_rows=300))
    sample = pl.concat(chunks)
    assert sample.columns == real.columns and sample.schema == real.schema
    drafts = sample["status"] == "draft"
    assert sample.filter(drafts)["invoice_no"].null_count() == int(drafts.sum()) > 200
    # the other rows get keys counting up from above the largest real key, across chunks, none skipped
    keys = sample.filter(~drafts)["invoice_no"]
    assert keys.null_count() == 0
    assert sorted(keys.to_list()) == list(range(101_500, 101_500 + keys.len()))
    assert set(synthesizer.generator.rules.violation_rates(sample).values()) == {0.0}


def test_a_null_if_on_a_key_made_from_a_format_leaves_the_other_keys_matching_it():
    real = _invoices(600).drop("invoice_no")  # a key the table lacks: generated from nothing
    rules = [*KEY_RULES, {"format": {"column": "invoice_no", "regex": "INV-[0-9]{5}"}}]
    sample = Synthesizer("copula", seed=0).fit(real, rules=rules).sample(800, seed=0)
    drafts = sample["status"] == "draft"
    assert sample.filter(drafts)["invoice_no"].null_count() == int(drafts.sum()) > 50
    keys = sample.filter(~drafts)["invoice_no"]
    assert keys.null_count() == 0 and keys.n_unique() == keys.len()
    assert keys.str.contains(r"^INV-[0-9]{5}$").all()


def test_a_key_of_several_columns_holding_a_generated_key_is_met_by_it():
    real = _invoices(600)
    rules = [{"unique": ["invoice_no"]}, {"unique": ["invoice_no", "status"]}]
    sample = Synthesizer("copula", seed=0).fit(real, rules=rules, anonymize=False).sample(500, seed=0)
    assert sample["invoice_no"].n_unique() == 500 and sample["invoice_no"].min() == 100_600


@pytest.mark.parametrize(
    "rule",
    [
        "invoice_no > 0",
        "amount == invoice_no * 2",
        "invoice_no == amount * 2",
        {"range": {"column": "invoice_no", "min": 0}},
        {"fixed_combinations": ["invoice_no", "status"]},
        {"null_if": {"column": "amount", "when": "invoice_no > 5"}},
        {"null_if": {"column": "invoice_no", "when": "invoice_no > 5"}},
    ],
)
def test_a_rule_on_a_generated_key_that_cannot_be_honoured_is_refused_before_fitting(rule):
    pattern = r"field 'rules\[1\]': .* names 'invoice_no', the key rules\[0\] unique: \[invoice_no\] generates"
    with pytest.raises(RuleError, match=pattern):
        parse_rules([{"unique": ["invoice_no"]}, rule])
    with pytest.raises(RuleError, match=pattern):
        Synthesizer("copula").fit(_invoices(200), rules=[{"unique": ["invoice_no"]}, rule])


# ---------------------------------------------------------------------------------------------- rebalance


def _results(n: int = 3000) -> pl.DataFrame:
    """5% positive; end = start + duration, short (so more often drawn before the start) for positives."""
    rng = np.random.default_rng(7)
    positive = rng.random(n) < 0.05
    start = rng.normal(100, 30, n)
    duration = np.where(positive, rng.exponential(0.5, n), 5 + rng.exponential(60, n))
    return pl.DataFrame(
        {
            "result": np.where(positive, "positive", "negative"),
            "start_day": start,
            "end_day": start + duration,
            "kind": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
        }
    )


@pytest.fixture(scope="module")
def results_model():
    return Synthesizer("copula", seed=0).fit(_results(), rules=["end_day >= start_day"])


def test_rebalanced_counts_are_exact_when_a_rule_rejects_one_class_more_often(results_model):
    plain = Synthesizer("copula", seed=0).fit(_results()).sample(4000, seed=0, rebalance={"result": {"positive": 0.3}})
    broken = (
        plain.with_columns(broken=pl.col("end_day") < pl.col("start_day")).group_by("result").agg(pl.mean("broken"))
    )
    rates = dict(broken.iter_rows())
    assert rates["positive"] > rates["negative"] + 0.03  # the rule rejects positives more often
    sample = results_model.sample(4000, seed=0, rebalance={"result": {"positive": 0.3}})
    assert sample.height == 4000 and int((sample["result"] == "positive").sum()) == 1200
    assert (sample["end_day"] >= sample["start_day"]).all()


def test_rebalanced_counts_are_exact_per_chunk_with_several_levels_and_a_condition(results_model):
    chunks = list(
        results_model.generator.sample_chunks(
            3000, seed=2, chunk_rows=700, conditions={"kind": "b"}, rebalance={"result": {"positive": 0.25}}
        )
    )
    assert [c.height for c in chunks] == [700, 700, 700, 700, 200]
    assert [int((c["result"] == "positive").sum()) for c in chunks] == [175, 175, 175, 175, 50]
    sample = pl.concat(chunks)
    assert (sample["kind"] == "b").all() and (sample["end_day"] >= sample["start_day"]).all()
    levels = results_model.sample(3000, seed=3, rebalance={"kind": {"a": 0.2, "c": 0.5}})
    assert dict(levels.group_by("kind").len().iter_rows()) == {"a": 600, "b": 900, "c": 1500}
    assert (levels["end_day"] >= levels["start_day"]).all()


def test_a_rebalanced_sample_with_rules_is_reproducible(results_model):
    ask = {"result": {"positive": 0.3}}
    assert results_model.sample(1000, seed=5, rebalance=ask).equals(results_model.sample(1000, seed=5, rebalance=ask))


# ---------------------------------------------------------------------------------------------- division


def test_a_division_by_zero_is_null_as_in_sql_never_nan_or_inf():
    df = pl.DataFrame({"total": [6.0, 0.0, 5.0, None], "quantity": [3, 0, 0, 0]})
    out = df.select(parse_rules(["unit_price == total / quantity"]).rules[0].value(df.schema).alias("u"))
    assert out["u"].to_list() == [2.0, None, None, None]
    # a comparison reading a division by zero is null: neither met nor broken
    holds = df.select(parse_rules(["total / quantity > 1"]).rules[0].holds(df.schema)).to_series().to_list()
    assert holds == [True, True, True, True]


def test_a_formula_dividing_by_zero_writes_null_and_redraws_no_row():
    rng = np.random.default_rng(2)
    quantity = rng.integers(0, 5, 400)
    total = np.where(quantity == 0, rng.choice([0.0, 10.0], 400), rng.uniform(1, 100, 400).round(2) * quantity)
    unit_price = pl.Series(np.where(quantity > 0, total / np.maximum(quantity, 1), np.nan)).fill_nan(None)
    real = pl.DataFrame({"quantity": quantity, "total": total, "unit_price": unit_price})
    fitted = fit_rules(["unit_price == total / quantity"], real, infer_schema(real), rare_min_count=10)
    drawn = real.drop("unit_price")
    out = pl.concat(list(fitted.enforce(_fixed_draw(drawn), 400, 0, 400)))
    assert out.drop("unit_price").equals(drawn)  # no row redrawn: the share of quantity 0 is kept
    assert not out["unit_price"].is_nan().any() and not out["unit_price"].is_infinite().any()
    assert out["unit_price"].is_null().to_list() == (out["quantity"] == 0).to_list()
    assert set(fitted.violation_rates(out).values()) == {0.0}


# ---------------------------------------------------------------------------------------------- integer formulas


def test_a_formula_for_an_integer_column_is_rounded_and_its_check_reads_the_rounded_value():
    rng = np.random.default_rng(1)
    price = rng.uniform(5, 200, 500).round(2)
    quantity = rng.integers(1, 10, 500)
    real = pl.DataFrame({"price": price, "quantity": quantity, "total": (price * quantity).round(2)})
    fitted = fit_rules(["quantity == total / price"], real, infer_schema(real), rare_min_count=10)
    assert fitted.real_violation_rates == {"rules[0] quantity == total / price": 0.0}
    # drawn rows whose total / price is not whole: quantity is its rounded value, and the rule holds on them
    drawn = real.drop("quantity").with_columns(total=pl.col("total") + 0.37)
    out = pl.concat(list(fitted.enforce(_fixed_draw(drawn), 500, 0, 500)))
    assert out.drop("quantity").equals(drawn)  # no row redrawn
    assert out["quantity"].dtype == pl.Int64
    assert out["quantity"].to_list() == (out["total"] / out["price"]).round(0).cast(pl.Int64).to_list()
    assert set(fitted.violation_rates(out).values()) == {0.0}
    # a value off by a whole unit still breaks it
    wrong = out.with_columns(quantity=pl.col("quantity") + 1)
    assert fitted.violation_rates(wrong)["rules[0] quantity == total / price"] == 1.0


def test_an_integer_formula_column_is_met_at_sampling():
    rng = np.random.default_rng(1)
    price = rng.uniform(5, 200, 600).round(2)
    quantity = rng.integers(1, 10, 600)
    real = pl.DataFrame({"price": price, "quantity": quantity, "total": (price * quantity).round(2)})
    sample = Synthesizer("copula", seed=0).fit(real, rules=["quantity == total / price"]).sample(300, seed=1)
    assert sample.height == 300 and sample["quantity"].dtype == pl.Int64
