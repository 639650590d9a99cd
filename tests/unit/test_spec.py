import pytest
import yaml

from tests.conftest import DEMO_CSV, DEMO_SPEC
from twinforge.config.spec import SpecError, load_spec, load_specs, parse_spec


def _base(**overrides):
    data = {"name": "demo", "source": {"path": str(DEMO_CSV)}}
    data.update(overrides)
    return data


def test_demo_spec_loads_with_resolved_source():
    spec = load_spec(DEMO_SPEC)
    assert spec.name == "covid_testing"
    assert spec.source.path == DEMO_CSV.resolve()
    assert spec.source.resolved_format == "csv"
    assert spec.registered_model_name == "twinforge-covid_testing"
    assert set(spec.columns_with("drop")) == {"rownames", "fake_first_name", "fake_last_name"}
    assert spec.columns_with("pseudonymize") == ["subject_id"]
    assert spec.target == "result"


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        ({"generator": {"model": "nope"}}, "generator.model", "unknown generator 'nope'"),
        ({"split": {"holdout_fraction": 1.5}}, "split.holdout_fraction", "less than 1"),
        ({"columns": {"age": {"kind": "number"}}}, "columns.age.kind", "integer"),
        ({"columns": {"id": {"role": "identifier", "anonymize": "keep"}}}, "columns.id", "cannot be kept"),
        ({"name": "Bad Name"}, "name", "lowercase"),
        ({"sampling": {"rows": 0}}, "sampling.rows", "greater than 0"),
        ({"sampling": {"rebalance": {"a": {"x": 0.5}, "b": {"y": 0.5}}}}, "sampling.rebalance", "exactly one column"),
        ({"schedule": {"regenerate_cron": "daily"}}, "schedule.regenerate_cron", "5 fields"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
        ({"source": {"path": "x.csv", "delimiter": "\n"}}, "source.delimiter", "cannot part fields"),
        ({"source": {"path": "x.csv", "delimiter": '"'}}, "source.delimiter", "cannot part fields"),
        ({"source": {"path": "x.csv", "delimiter": "\r"}}, "source.delimiter", "'\\r'"),
    ],
)
def test_spec_errors_name_the_field(overrides, field, fragment):
    with pytest.raises(SpecError) as err:
        parse_spec(_base(**overrides), origin="specs/demo.yaml")
    text = str(err.value)
    assert "specs/demo.yaml" in text
    assert f"field '{field}'" in text
    assert fragment in text


def test_missing_source_field_is_named():
    with pytest.raises(SpecError, match="field 'source'"):
        parse_spec({"name": "demo"})


def test_unknown_source_format_names_the_field(tmp_path):
    with pytest.raises(SpecError, match="field 'source.format'"):
        parse_spec(_base(source={"path": str(tmp_path / "data.xlsx")}))


def test_load_spec_errors_name_the_file(tmp_path):
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(SpecError, match="bad.yaml: not valid YAML"):
        load_spec(bad)


def billion_laughs(indent: str) -> str:
    """A YAML list of ten lists, each alias-expanding to nine times the one before."""
    return "".join(
        [
            f'{indent}- &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n',
            *(f"{indent}- &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]\n" for k in range(1, 10)),
        ]
    )


def test_yaml_aliases_that_expand_past_a_limit_are_refused_in_specs_and_rules(tmp_path):
    # aliases are read in no time as references to one object; expanded (the spec's fingerprint, a model's
    # JSON) 9 levels of 9 are 3.5e9 strings
    from twinforge.rules.definitions import RuleError, load_rules

    spec = tmp_path / "bomb.yaml"
    spec.write_text(
        f"name: bomb\nsource:\n  path: {DEMO_CSV}\ncolumns:\n  y:\n    categories:\n{billion_laughs('      ')}"
    )
    with pytest.raises(SpecError, match=r"bomb.yaml: not valid YAML.*more than 100,000 values"):
        load_spec(spec)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"- unique: [id]\n- fixed_combinations:\n    columns: [a, b]\n    values:\n{billion_laughs('      ')}"
    )
    with pytest.raises(RuleError, match=r"rules.yaml: not valid YAML.*more than 100,000 values"):
        load_rules(rules)
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: deep\ncolumns: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(SpecError, match=r"deep.yaml: not valid YAML: lists or mappings nested deeper"):
        load_spec(deep)
    deep.rename(rules)
    with pytest.raises(RuleError, match=r"rules.yaml: not valid YAML: lists or mappings nested deeper"):
        load_rules(rules)
    reuse = tmp_path / "reuse.yaml"  # an anchor used a few times stays fine
    reuse.write_text(f"name: reuse\nsource:\n  path: {DEMO_CSV}\nsplit: &same {{}}\nquality: {{}}\n")
    assert load_spec(reuse).name == "reuse"


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path):
    spec = tmp_path / "twice.yaml"
    spec.write_text(f"name: demo\nsource:\n  path: {DEMO_CSV}\ndrift:\n  drift_share: 0.2\n  drift_share: 0.5\n")
    with pytest.raises(
        SpecError, match=r"(?s)twice.yaml: not valid YAML.*'drift_share' appears twice \(lines 5 and 6\)"
    ):
        load_spec(spec)


def test_duplicate_dataset_names_rejected(tmp_path):
    for f in ("a.yaml", "b.yaml"):
        (tmp_path / f).write_text(yaml.safe_dump(_base()))
    with pytest.raises(SpecError, match="more than one spec"):
        load_specs(tmp_path)


def test_schema_for_applies_overrides_and_identifiers(demo_table):
    spec = parse_spec(_base(columns={"subject_id": {"role": "identifier"}, "pan_day": {"kind": "float"}}))
    schema = spec.schema_for(demo_table.drop("subject_id"))
    assert schema["pan_day"].kind.value == "float"
    assert "subject_id" not in schema.names
    schema = spec.schema_for(demo_table)
    assert schema["subject_id"].kind.value == "identifier"


def test_expectations_section_also_read_under_its_former_name_validation():
    assert parse_spec(_base(expectations={"null_tolerance": 0.1})).expectations.null_tolerance == 0.1
    assert parse_spec(_base(validation={"null_tolerance": 0.2})).expectations.null_tolerance == 0.2
    with pytest.raises(SpecError, match=r"field 'expectations.null_tolerance'"):
        parse_spec(_base(expectations={"null_tolerance": 2}))


def test_spec_loading_imports_no_generator_and_builtin_names_match_the_registry():
    import subprocess
    import sys

    code = (
        "import sys; from twinforge.config.spec import parse_spec; "
        f"parse_spec({{'name': 'd', 'source': {{'path': {str(DEMO_CSV)!r}}}, 'generator': {{'model': 'transformer'}}}}); "
        "assert 'torch' not in sys.modules and 'twinforge.generators' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    from twinforge.config.spec import BUILTIN_GENERATORS
    from twinforge.generators import available_generators

    assert sorted(BUILTIN_GENERATORS) == [n for n in available_generators() if not n.startswith("test_")]


def test_column_generation_options_from_yaml(demo_table):
    text = """
name: demo
source: {path: data.csv}
columns:
  clinic_name: {rare: rare_token}
  demo_group: {rare: null}
  payor_group: {rare: "null"}
  result: {rare: generate}
  gender: {long_text: generate}
  rownames: {role: identifier, rare: rare_token}
"""
    spec = parse_spec(yaml.safe_load(text))
    options = spec.column_options_for(spec.schema_for(demo_table))
    # only learned columns that set something other than the defaults; YAML's null and "null" alike
    assert {name: (o.rare, o.long_text) for name, o in options.items()} == {
        "clinic_name": ("rare_token", False),
        "demo_group": ("null", False),
        "payor_group": ("null", False),
        "gender": ("generate", True),
    }
    with pytest.raises(SpecError, match="columns.result.rare"):
        parse_spec(_base(columns={"result": {"rare": "drop"}}))
    with pytest.raises(SpecError, match="columns.notes.long_text"):
        parse_spec(_base(columns={"notes": {"long_text": True}}))


def test_ingest_non_finite_null_unquoted_in_yaml_means_null(tmp_path):
    """Reproduced: the documented ``ingest: {non_finite: null}`` was refused (YAML reads an unquoted null as None)."""
    path = tmp_path / "demo.yaml"
    path.write_text(f"name: demo\nsource: {{path: {tmp_path / 'data.csv'}}}\ningest: {{non_finite: null}}\n")
    assert load_spec(path).ingest.non_finite == "null"
    path.write_text(f"name: demo\nsource: {{path: {tmp_path / 'data.csv'}}}\ningest:\n  non_finite: ~\n")
    assert load_spec(path).ingest.non_finite == "null"
    with pytest.raises(SpecError, match="field 'ingest.non_finite'"):
        parse_spec(_base(ingest={"non_finite": "drop"}))
