"""Business rules: the expression language, the rule list, enforcement per rule kind, persistence, suggestions."""

import json
import logging
import re

import numpy as np
import polars as pl
import pytest

from tests.rules_tables import ORDER_RULES, orders_table
from twinforge import Synthesizer
from twinforge.config.spec import SpecError, parse_spec
from twinforge.generators import load_generator
from twinforge.io.schema import infer_schema
from twinforge.rules import ExpressionError, RuleError, fit_rules, load_rules, parse_expression, parse_rules
from twinforge.rules.regex import RegexError, generate_from_regex
from twinforge.rules.suggest import suggest_rules

# ---------------------------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",  # a call
        "price.real > 0",  # an attribute
        "items[0] > 1",  # a subscript
        "(lambda: 1)() > 0",
        "a ** 2 > b",  # not in + - * /
        "a < b < c",  # a chain
        "not a > b",
        "a if b else c",
        "True == a",  # booleans are not values here
    ],
)
def test_expressions_outside_the_whitelist_are_refused(text):
    with pytest.raises(ExpressionError):
        parse_expression(text)


@pytest.mark.parametrize("text", ["x <= " + "-" * 100_000 + "x", "x <= " + "-" * 5_000 + "x"])
def test_an_expression_nested_too_deep_for_python_is_refused_with_a_clear_error(text):
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression(text)


def test_an_expression_evaluates_vectorised_with_sql_nulls():
    df = pl.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": [1.0, 3.0, 1.0, 1.0], "s": ["x", "y", "x", None]})
    expression = parse_expression("a * 2 >= b + 1 and s != 'y'")
    assert expression.columns == {"a", "b", "s"}
    out = df.select(expression.to_polars(df.schema)).to_series().to_list()
    assert out == [True, False, None, None]


def test_numeric_equality_tolerates_float_rounding_only():
    df = pl.DataFrame({"t": [0.3, 0.31], "p": [0.1, 0.1], "q": [3, 3]})
    holds = df.select(parse_expression("t == p * q").to_polars(df.schema)).to_series().to_list()
    assert holds == [True, False]  # 0.1 * 3 is 0.30000000000000004


def test_a_quoted_date_compares_with_a_date_column():
    df = pl.DataFrame({"d": ["2024-01-01", "2025-06-01"]}).with_columns(pl.col("d").str.to_date())
    holds = df.select(parse_expression("d >= '2025-01-01'").to_polars(df.schema)).to_series().to_list()
    assert holds == [False, True]


# ---------------------------------------------------------------------------------------------- the rule list


def test_every_rule_kind_of_the_spec_syntax_parses_and_round_trips():
    rules = parse_rules(ORDER_RULES)
    assert [r.kind for r in rules] == [
        "comparison", "formula", "comparison", "fixed_combinations", "unique", "format", "null_if", "range",
    ]  # fmt: skip
    assert rules.derived_columns == ["total"]
    assert rules.generated_columns == ["total", "order_id"]
    assert parse_rules(rules.to_spec()).to_spec() == rules.to_spec() == ORDER_RULES


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"unique": "a", "format": "b"}, "rules[1]"),
        ({"between": {"column": "a"}}, "unknown rule kind 'between'"),
        ({"range": {"column": "a"}}, "give 'min', 'max' or both"),
        ({"range": {"column": "a", "min": 5, "max": 1}}, "min 5 is above max 1"),
        ({"format": {"column": "a", "regex": "[^a]{3}"}}, "negated classes"),
        ({"format": {"column": "a", "regex": "(a"}}, "not a valid regular expression"),
        ({"null_if": {"column": "a", "when": "b != 'x'", "then": 1}}, "unknown field 'then'"),
        ("a + b", "not a condition"),
        ("total == total * 2", "appears on both sides"),
        ("open('x') == 1", "is not allowed"),
    ],
)
def test_a_bad_rule_names_its_entry_and_the_problem(rule, message):
    with pytest.raises(RuleError, match=re.escape(message)) as error:
        parse_rules(["a >= b", rule])
    assert "field 'rules[1]'" in str(error.value)


def test_a_spec_with_a_bad_rule_names_the_file_and_field():
    data = {"name": "orders", "source": {"path": "orders.csv"}, "rules": ["a >= b", "c ** 2 > 1"]}
    with pytest.raises(SpecError, match=r"orders\.yaml: field 'rules\[1\]': .*not allowed"):
        parse_spec(data, origin="orders.yaml")
    assert parse_spec({**data, "rules": ["a >= b"]}, origin="x.yaml").rule_list().to_spec() == ["a >= b"]


def test_an_unknown_column_is_named_with_the_rule():
    rules = parse_rules(["checkout >= checkin", "total == price * qty"])
    with pytest.raises(RuleError, match=r"field 'rules\[1\]': unknown column 'qty'"):
        rules.check_columns(orders_table(50).columns)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"unique": ["price"]}, r"rules\[0\]'.*generates its column.*'price' holds float values"),
        ({"unique": ["checkin"]}, r"rules\[0\]'.*'checkin' holds date values"),
        ({"format": {"column": "price", "regex": "[0-9]{2}\\.[0-9]{2}"}}, r"'price' holds float values.*text"),
        ({"format": {"column": "age", "regex": "[0-9]{2}"}}, r"'age' holds integer values"),
    ],
    ids=["unique-float", "unique-date", "format-float", "format-integer"],
)
def test_a_rule_that_would_turn_a_column_into_other_values_is_refused(rule, message):
    # a generated one-column key or a format regex makes integers or text, never floats or dates
    with pytest.raises(RuleError, match=message):
        Synthesizer("copula").fit(orders_table(100), rules=[rule])


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("city > 5", "column 'city' (text values) is compared with a number"),
        ("age >= 'old'", "column 'age' (number values) is compared with a quoted text"),
        ("checkin >= '2024-13-45'", "column 'checkin' (date values) is compared with a quoted text that is not an ISO"),
        ("checkin > price", "column 'checkin' (date values) is compared with column 'price'"),
        ("price + city > 1", "'+' between column 'price' (number values) and column 'city' (text values)"),
        ("checkin * 2 > checkout", "'*' between column 'checkin' (date values) and a number"),
        ("-city == 'x'", "a sign applies to numbers, not to column 'city'"),
        ("price == checkin + 1", "the formula gives date values, but 'price' holds float values"),
        ({"null_if": {"column": "price", "when": "status > 3"}}, "column 'status' (text values) is compared with"),
        ({"range": {"column": "city", "min": 0, "max": 10}}, "a range bounds numbers or dates, but 'city' holds text"),
        ({"range": {"column": "age", "min": "2024-01-01"}}, "'age' holds integer values: its 'min' must be a number"),
        ({"range": {"column": "checkin", "max": 5}}, "'checkin' holds date values: its 'max' must be an ISO date"),
        ({"range": {"column": "checkin", "max": "2024-01-01T10:00"}}, "its 'max' is not an ISO date for 'checkin'"),
    ],
)
def test_a_rule_whose_types_do_not_fit_the_table_is_refused_naming_the_rule_and_column(rule, message):
    orders = orders_table(50)
    rules = parse_rules(["checkout >= checkin", rule])
    with pytest.raises(RuleError) as error:
        rules.check_dtypes(orders.schema)
    text = str(error.value)
    assert text.startswith("field 'rules[1]': ") and message in text, text
    assert "\n" not in text
    with pytest.raises(RuleError, match=re.escape(message)):  # and before fitting, whatever calls fit
        Synthesizer("copula").fit(orders, rules=["checkout >= checkin", rule])


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"null_if": {"column": "price", "when": "status"}}, "null_if: 'when' must be a condition"),
        ({"null_if": {"column": "price", "when": "a + 1"}}, "null_if: 'when' must be a condition"),
        ({"range": {"column": "age", "min": "thirty"}}, "range: 'min' must be a number or an ISO date"),
    ],
)
def test_a_rule_that_cannot_be_a_condition_or_bound_is_refused_when_read(rule, message):
    with pytest.raises(RuleError, match=re.escape(message)) as error:
        parse_rules(["a >= b", rule])
    assert "field 'rules[1]'" in str(error.value)


def test_dates_plus_or_minus_days_and_days_between_dates():
    df = pl.DataFrame({"d": ["2024-01-01", "2024-03-01", None], "e": ["2024-01-04", "2024-03-01", "2024-01-01"]})
    df = df.with_columns(pl.col("d", "e").str.to_date(), n=pl.Series([2, 0, 1]))
    for text, expected in [
        ("e <= d + 3", [True, True, None]),
        ("e - d == 3", [True, False, None]),
        ("d + n < e", [True, False, None]),
        ("n + d >= '2024-01-03'", [True, True, None]),
        ("e - 3 == d", [True, False, None]),
    ]:
        expression = parse_expression(text)
        assert expression.value_kind(df.schema) == "condition"
        assert df.select(expression.to_polars(df.schema)).to_series().to_list() == expected, text


def test_the_type_check_reads_an_expression_as_deep_as_the_parser_accepts():
    expression = parse_expression("x <= " + " + ".join(["x"] * 900))  # near Python's recursion limit
    df = pl.DataFrame({"x": [1.0, -1.0]})
    assert expression.value_kind(df.schema) == "condition"
    assert df.select(expression.to_polars(df.schema)).to_series().to_list() == [True, False]


def test_rules_with_date_arithmetic_are_met_at_sampling():
    orders = orders_table(300).with_columns(nights=(pl.col("checkout") - pl.col("checkin")).dt.total_days())
    rules = ["checkout <= checkin + 5", "checkout - checkin >= 0", "nights == checkout - checkin"]
    model = Synthesizer("copula", seed=0).fit(orders, rules=rules)
    assert model.generator.rules.real_violation_rates["rules[0] checkout <= checkin + 5"] > 0.2  # the real 0-9 days
    sample = model.sample(400, seed=1)
    assert set(model.generator.rules.violation_rates(sample).values()) == {0.0}
    days = sample.select((pl.col("checkout") - pl.col("checkin")).dt.total_days()).to_series()
    assert days.max() <= 5 and days.min() >= 0 and sample["nights"].to_list() == days.to_list()


def test_a_rules_file_holds_a_list_or_a_rules_mapping(tmp_path):
    (tmp_path / "list.yaml").write_text('- "a >= b"\n- {unique: [id]}\n')
    (tmp_path / "mapping.yaml").write_text('rules:\n  - "a >= b"\n')
    (tmp_path / "bad.yaml").write_text('rules:\n  - "a >= b"\n  - {unique: 3}\n')
    assert len(load_rules(tmp_path / "list.yaml")) == 2
    assert len(load_rules(tmp_path / "mapping.yaml")) == 1
    with pytest.raises(RuleError, match=r"bad\.yaml: field 'rules\[1\]'"):
        load_rules(tmp_path / "bad.yaml")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "holds no rules"),
        ("rules:\n", "holds no rules"),
        ("rules: []\n", "holds no rules"),
        ('rule:\n  - "a >= b"\n', "unknown key rule: a rules file holds the list of rules"),
        ('rules:\n  - "a >= b"\nrulez:\n  - "b >= a"\n', "unknown key rulez"),
    ],
)
def test_a_rules_file_with_no_rules_or_a_misspelt_key_is_refused_saying_so(tmp_path, text, said):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(RuleError, match=f"rules.yaml: {said}"):
        load_rules(path)


# ---------------------------------------------------------------------------------------------- regex values


@pytest.mark.parametrize("regex", ["ORD-[0-9]{6}", r"[A-Z]{2}\d{2,4}(-x|_yy)?", r"\w+@ex\.com", "a.c", "[a-c_]*z"])
def test_values_generated_from_a_regex_match_it(regex):
    values = generate_from_regex(regex, 500, np.random.default_rng(0))
    assert len(values) == 500
    assert all(re.fullmatch(regex, v) for v in values)
    assert len(set(values)) > 1


def test_regex_features_that_cannot_be_generated_are_refused():
    for regex in [r"(a)\1", "(?=a)a", "[^0-9]"]:
        with pytest.raises(RegexError):
            generate_from_regex(regex, 1, np.random.default_rng(0))


@pytest.mark.parametrize(
    "regex",
    [
        "((((((((((a+)+)+)+)+)+)+)+)+)+)",  # each unbounded level repeats the one inside up to 9 times
        "((a{1,30}){1,30}){1,30}",  # 27,000 characters a value
        "((){1000}){1000}",  # nothing to show for a million steps
    ],
)
def test_a_regex_whose_values_would_take_too_long_to_make_is_refused_when_checked(regex):
    from twinforge.rules.regex import MAX_GENERATION_STEPS, check_regex

    with pytest.raises(RegexError, match=f"at most {MAX_GENERATION_STEPS:,}"):
        check_regex(regex)


# ---------------------------------------------------------------------------------------------- enforcement


@pytest.fixture(scope="module")
def orders():
    return orders_table(400)


@pytest.fixture(scope="module")
def fitted(orders):
    return Synthesizer("copula", seed=0).fit(orders, rules=ORDER_RULES)


def test_every_rule_holds_on_every_sampled_row(fitted, orders):
    sample = fitted.sample(3000, seed=3)
    rates = fitted.generator.rules.violation_rates(sample)
    assert rates and all(rate == 0.0 for rate in rates.values()), rates
    assert sample.columns == orders.columns
    assert sample.schema == orders.schema


def test_the_rules_are_not_met_by_the_model_alone(orders):
    """Without the rules the same model breaks them: what the test above checks is the enforcement."""
    plain = Synthesizer("copula", seed=0).fit(orders).sample(3000, seed=3)
    rates = fit_rules(ORDER_RULES[:4], orders, infer_schema(orders), rare_min_count=10).violation_rates(plain)
    assert rates["rules[0] checkout >= checkin"] > 0.05
    assert rates["rules[1] total == price * quantity"] > 0.5


def test_derived_and_key_columns_are_not_learned(fitted):
    encoded = fitted.generator.encoder.columns
    names = {c.name for c in encoded} if not isinstance(encoded, dict) else set(encoded)
    assert "total" not in names and "order_id" not in names
    assert {"price", "quantity"} <= names


def test_unique_keys_are_generated_never_copied_and_unique_across_chunks(fitted, orders):
    chunks = list(fitted.generator.sample_chunks(2500, seed=1, chunk_rows=300))
    ids = pl.concat([c.select("order_id") for c in chunks]).to_series()
    assert ids.n_unique() == 2500
    assert not ids.is_in(orders["order_id"].implode()).any()
    assert ids.str.contains(r"^ORD-[0-9]{6}$").all()


def test_an_integer_key_continues_after_the_real_keys():
    df = orders_table(200).with_columns(pl.int_range(1000, 1200).alias("order_id"))
    # learned as given: the default policy would drop the key (an inferred identifier), generated from nothing then
    sample = Synthesizer("copula").fit(df, rules=[{"unique": ["order_id"]}], anonymize=False).sample(500, seed=0)
    assert sample["order_id"].dtype == pl.Int64
    assert sample["order_id"].n_unique() == 500 and sample["order_id"].min() >= 1200


def test_a_unique_key_the_table_lacks_is_generated_from_nothing():
    df = orders_table(200).drop("order_id")
    rules = [{"unique": ["order_id"]}, {"format": {"column": "order_id", "regex": "K[0-9]{8}"}}]
    sample = Synthesizer("copula").fit(df, rules=rules).sample(300, seed=0)
    assert sample.columns[0] == "order_id" and sample["order_id"].n_unique() == 300


def test_a_multi_column_key_is_unique_by_redrawing():
    df = orders_table(400)
    rules = [{"unique": ["city", "quantity", "status"]}]
    sample = Synthesizer("copula").fit(df, rules=rules).sample(12, seed=0)  # 4 x 4 x 2 = 32 possible keys
    assert sample.select("city", "quantity", "status").is_unique().all()


def test_fixed_combinations_store_and_generate_only_frequent_real_combinations(tmp_path):
    df = orders_table(400)
    # two rare real combinations (seen 3 times): neither stored in the model nor generated
    df = df.with_columns(
        country=pl.when(pl.int_range(pl.len()) < 3).then(pl.lit("BE")).otherwise(pl.col("country")),
    )
    synthesizer = Synthesizer("copula").fit(df, rules=[{"fixed_combinations": ["city", "country"]}])
    synthesizer.save(tmp_path / "model")
    stored = json.loads((tmp_path / "model" / "model.json").read_text())["rules"]["allowed"]["0"]
    assert all(country != "BE" for _, country in stored)
    assert len(stored) == 4
    sample = synthesizer.sample(2000, seed=0)
    assert not (sample["country"] == "BE").any()
    seen = set(map(tuple, stored))
    assert set(sample.select("city", "country").iter_rows()) <= seen


def test_null_if_sets_the_nulls():
    df = orders_table(400).with_columns(
        cancel_reason=pl.when(pl.int_range(pl.len()) % 3 == 0).then(pl.lit("late")).otherwise(pl.col("cancel_reason"))
    )
    rule = {"null_if": {"column": "cancel_reason", "when": "status != 'cancelled'"}}
    sample = Synthesizer("copula").fit(df, rules=[rule]).sample(2000, seed=0)
    assert (
        sample.filter(pl.col("status") != "cancelled")["cancel_reason"].null_count()
        == sample.filter(pl.col("status") != "cancelled").height
    )
    assert sample.filter(pl.col("status") == "cancelled")["cancel_reason"].null_count() < 200


def test_range_clips_by_default_and_redraws_on_request(orders):
    clipped = Synthesizer("copula").fit(orders, rules=[{"range": {"column": "age", "min": 40, "max": 60}}])
    ages = clipped.sample(2000, seed=0)["age"]
    assert ages.min() == 40 and ages.max() == 60
    assert (ages == 40).mean() > 0.2  # clipping piles the outside values on the bounds
    rule = {"range": {"column": "age", "min": 40, "max": 60, "on_violation": "reject"}}
    redrawn = Synthesizer("copula").fit(orders, rules=[rule]).sample(2000, seed=0)["age"]
    assert redrawn.min() >= 40 and redrawn.max() <= 60
    assert (redrawn == 40).mean() < 0.1


def test_an_impossible_rule_is_a_clear_error_naming_the_rule(orders):
    synthesizer = Synthesizer("copula").fit(orders, rules=["checkout >= checkin", "price > price + 1"])
    with pytest.raises(RuleError, match=r"rules\[1\] price > price \+ 1: 100\.0% of them break it"):
        synthesizer.sample(100, seed=0)


def test_a_rule_the_real_data_breaks_is_logged_with_its_rate(orders, caplog):
    with caplog.at_level(logging.WARNING, logger="twinforge.rules"):
        synthesizer = Synthesizer("copula").fit(orders, rules=[{"range": {"column": "age", "min": 30, "max": 90}}])
    rate = float((orders["age"] < 30).mean())
    assert synthesizer.generator.rules.real_violation_rates == {"rules[0] range: 30 <= age <= 90": rate}
    assert f"broken by {100 * rate:.2f}% of the real rows" in caplog.text
    assert synthesizer.generator.fit_summary["rules_real_violation_rates"] == {"rules[0] range: 30 <= age <= 90": rate}


def test_rules_fitted_to_judge_a_twin_claim_nothing_about_synthetic_rows(orders, caplog):
    # evaluate fits the rules on the training rows to measure rates: "synthetic rows meet it" would be a claim
    with caplog.at_level(logging.WARNING, logger="twinforge.rules"):
        fitted = fit_rules(
            [{"range": {"column": "age", "min": 30, "max": 90}}], orders, infer_schema(orders), rare_min_count=10
        )
    assert fitted.real_violation_rates["rules[0] range: 30 <= age <= 90"] > 0
    assert "synthetic rows meet it" not in caplog.text


def test_rules_travel_with_the_saved_model_as_json(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    description = json.loads((tmp_path / "m" / "model.json").read_text())
    assert description["rules"]["rules"] == ORDER_RULES
    loaded = load_generator(tmp_path / "m")
    assert loaded.sample(500, seed=4).equals(fitted.generator.sample(500, seed=4))
    assert all(v == 0 for v in loaded.rules.violation_rates(loaded.sample(500, seed=5)).values())


def test_rules_with_conditions_meet_both(fitted):
    sample = fitted.sample(500, seed=0, conditions={"city": "Lyon"})
    assert (sample["city"] == "Lyon").all() and (sample["country"] == "FR").all()
    assert all(v == 0 for v in fitted.generator.rules.violation_rates(sample).values())


# ---------------------------------------------------------------------------------------------- suggestions


def test_suggestions_find_each_kind_with_support(orders):
    found = {json.dumps(s.rule, sort_keys=True): s for s in suggest_rules(orders)}
    for rule in [
        "checkout >= checkin",
        "total == price * quantity",
        {"unique": ["order_id"]},
        {"fixed_combinations": ["city", "country"]},
        {"null_if": {"column": "cancel_reason", "when": "status != 'cancelled'"}},
    ]:
        assert json.dumps(rule, sort_keys=True) in found, rule
        assert found[json.dumps(rule, sort_keys=True)].support >= 0.99
    assert json.dumps("checkin >= checkout") not in found
    assert json.dumps({"fixed_combinations": ["country", "city"]}, sort_keys=True) not in found


def test_suggestions_printed_together_are_accepted_together_and_the_rest_are_left_out_with_why(orders):
    import yaml

    from twinforge.rules.suggest import format_suggestions

    # a row number: unique, and above every small number column by chance
    table = orders.with_columns(row=pl.int_range(1000, 1000 + pl.len()))
    found = suggest_rules(table)
    by_rule = {json.dumps(s.rule, sort_keys=True): s for s in found}
    assert by_rule[json.dumps({"unique": ["row"]}, sort_keys=True)].left_out is None
    ordered = [s for s in found if isinstance(s.rule, str) and s.rule.startswith("row >")]
    assert ordered and all("the key rules" not in s.left_out and "'row'" in s.left_out for s in ordered)
    printed = yaml.safe_load(format_suggestions(found))["rules"]
    assert printed == [s.rule for s in found if s.left_out is None]
    assert len(parse_rules(printed)) == len(printed)  # accepted together
    assert not any(isinstance(r, str) and r.startswith("row >") for r in printed)
    assert "# left out" in format_suggestions(found)


def test_suggestions_on_a_column_the_default_policy_drops_are_left_out(orders):
    import yaml

    from twinforge.rules.suggest import format_suggestions

    found = suggest_rules(orders, dropped={"city": "default for detected LOCATION", "order_id": "inferred identifier"})
    combos = [s for s in found if s.rule == {"fixed_combinations": ["city", "country"]}]
    assert combos and "'city'" in combos[0].left_out and "default for detected LOCATION" in combos[0].left_out
    # a one-column key the policy drops is generated from nothing: still a candidate
    assert next(s for s in found if s.rule == {"unique": ["order_id"]}).left_out is None
    text = format_suggestions(found)
    printed = yaml.safe_load(text)["rules"]
    assert {"fixed_combinations": ["city", "country"]} not in printed and {"unique": ["order_id"]} in printed
    assert "#   - {fixed_combinations: [city, country]}" in text
    assert json.loads(json.dumps(combos[0].to_dict()))["left_out"] == combos[0].left_out


def test_a_rule_below_the_support_threshold_is_not_suggested(orders):
    broken = orders.with_columns(
        checkout=pl.when(pl.int_range(pl.len()) < 20)
        .then(pl.col("checkin") - pl.duration(days=1))
        .otherwise(pl.col("checkout"))
    )  # 5% of the rows break checkout >= checkin
    rules = [s.rule for s in suggest_rules(broken)]
    assert "checkout >= checkin" not in rules
    assert "checkout >= checkin" in [s.rule for s in suggest_rules(broken, min_support=0.9)]


# ---------------------------------------------------------------------------------------------- reporting


def test_the_quality_report_gives_each_rules_real_and_synthetic_rate(orders, tmp_path):
    from tests.unit.report_skeleton import report_with
    from twinforge.evaluation.evaluator import rule_violations
    from twinforge.evaluation.models import QualityReport
    from twinforge.evaluation.report import write_report_html

    rules = fit_rules(["checkout >= checkin", {"range": {"column": "age", "min": 30}}], orders, infer_schema(orders),
                      rare_min_count=10)  # fmt: skip
    synthetic = orders.with_columns(checkout=pl.col("checkin") - pl.duration(days=1)).head(100)
    section = rule_violations(rules, orders, synthetic)
    assert [(r.rule, r.real_violation_rate, r.synthetic_violation_rate) for r in section.rules] == [
        ("rules[0] checkout >= checkin", 0.0, 1.0),
        ("rules[1] range: 30 <= age <= inf", float((orders["age"] < 30).mean()), float((synthetic["age"] < 30).mean())),
    ]
    report = report_with().model_copy(update={"rules": section})
    assert report.headline()["rules_max_synthetic_violation_rate"] == 1.0
    assert QualityReport.from_json(report.to_json_dict()).rules == section  # survives the JSON round trip
    html = write_report_html(report, tmp_path / "q.html", title="t").read_text()
    assert '<section id="rules">' in html and "checkout &gt;= checkin" in html
    assert "rules_max_synthetic_violation_rate" not in report_with().headline()


def test_fixed_combinations_of_dates_booleans_and_numbers_survive_the_json_model(tmp_path):
    n = 300
    df = pl.DataFrame(
        {
            "day": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, 3), eager=True).gather(np.arange(n) % 3),
            "flag": (np.arange(n) % 3) == 0,
            "level": (np.arange(n) % 3).astype(float) / 2,
            "x": np.random.default_rng(0).normal(size=n),
        }
    )
    synthesizer = Synthesizer("copula").fit(df, rules=[{"fixed_combinations": ["day", "flag", "level"]}])
    synthesizer.save(tmp_path / "m")
    loaded = load_generator(tmp_path / "m")
    assert loaded.rules.violation_rates(df) == {"rules[0] fixed_combinations: [day, flag, level]": 0.0}
    sample = loaded.sample(300, seed=0)
    assert set(sample.select("day", "flag", "level").iter_rows()) <= set(df.select("day", "flag", "level").iter_rows())


def test_the_bundled_example_rules_hold_on_a_synthetic_maintenance_twin():
    """The README's `--rules` example: its rules name the bundled table's columns and every sampled row meets them."""
    from tests.conftest import REPO
    from twinforge.rules import load_rules

    rules = load_rules(REPO / "data" / "maintenance_rules.yaml")
    table = pl.read_csv(REPO / "data" / "maintenance.csv.gz")
    assert {c for rule in rules for c in rule.columns} <= set(table.columns)
    twin = Synthesizer("copula", seed=0).fit(table, rules=rules).sample(500)
    assert twin["unit_id"].n_unique() == 500
    assert twin["unit_id"].str.contains(r"^ENG-[0-9]{5}$").all()
    assert (twin["maintenance_cost"] >= 500 * twin["defects_found"]).all()
    assert twin["engine_age_years"].is_between(0, 40).all()
