"""Anonymization policy: what happens to each column before anything learns from it.

Actions per column:

* ``keep``;
* ``drop``;
* ``pseudonymize``: keyed HMAC-SHA256 of the value's canonical form, so the same input maps
  to the same token across runs while nobody without the key can reverse or recompute it.
  The key comes from the environment only, is checked for strength and is never logged,
  stored or returned (:mod:`twinforge.privacy.pseudonym`);
* ``generalize``: dates to month or year, numbers to bands (``"30-39"``) or rounded,
  codes such as postcodes to a prefix;
* ``suppress_rare``: categories seen fewer than ``min_count`` times become ``"other"``;
* ``mask``: PII inside text replaced by type tokens (``<EMAIL>``, ``<PERSON>`` ...); with
  ``person_values`` the values that are wholly a person's name become ``<PERSON>`` first, and with
  ``text: False`` nothing else is touched (a column of categories one of which is someone's name);
  with ``common_words`` (the default for free text) every word left that is not a common word of
  some language, and every number, becomes ``<REDACTED>`` (:mod:`twinforge.privacy.pii.vocabulary`).

:func:`resolve_policy` decides the action of every column: the spec's word first, then
safe defaults for what detection found (direct identifiers dropped, dates of birth to
the year, postcodes to three characters, free text masked, the levels of a column of
categories that are people's names masked), identifiers dropped, and the rest kept.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.io.typing_rules import code_text
from twinforge.parallel import map_on_threads
from twinforge.privacy.k_anonymity import KEnforcement, PrivacyReport
from twinforge.privacy.nested import flatten_nested, inspectable, leaf_declarations, per_element
from twinforge.privacy.pii import DEFAULT_ACTIONS, DetectionReport, mask_text
from twinforge.privacy.pii.detect import is_person_level
from twinforge.privacy.pii.entities import DOB, MASK_TOKENS, PERSON
from twinforge.privacy.pii.vocabulary import keep_common_words
from twinforge.privacy.pseudonym import (  # noqa: F401 (re-exported: the key's home is pseudonym.py)
    MIN_KEY_LENGTH,
    PSEUDONYM_KEY_ENV,
    MissingKeyError,
    WeakKeyError,
    check_key,
    pseudonym_key_from_env,
    pseudonymize,
)

if TYPE_CHECKING:
    from twinforge.privacy.hipaa import ProfileReport

ACTIONS = ("keep", "drop", "pseudonymize", "generalize", "suppress_rare", "mask")
OTHER = "other"
DEFAULT_RARE_MIN_COUNT = 10
# the commonest distinct values of a column that ``mask`` with ``person_values`` checks for a person's name
PERSON_VALUES_CHECKED = 100_000


class PolicyError(ValueError):
    """A policy that cannot be applied to the table; the message names the column."""


class KSchemeError(PolicyError):
    """A batch that cannot reach k under the generalization its dataset's reference batch chose."""


# ------------------------------------------------------------------ generalization


def generalize(series: pl.Series, params: Mapping[str, Any]) -> pl.Series:
    """Coarsen ``series`` by exactly one of ``date``, ``band`` (+ ``top``), ``round``, ``prefix``,
    ``cap`` (values above it become it: ages over 89 as 90) or ``zip3`` (US ZIP codes, see
    :func:`twinforge.privacy.hipaa.zip3`)."""
    name = series.name
    if "zip3" in params:
        from twinforge.privacy.hipaa import zip3

        return zip3(series)
    if "cap" in params:
        if series.dtype == pl.String:  # ages written as text ("<1", "92"): a number at or over the cap -> "90+"
            number = series.str.extract(r"(\d+(?:\.\d+)?)", 1).cast(pl.Float64, strict=False)
            top = f"{params['cap']}+"
            return (
                pl.select(pl.when(number >= params["cap"]).then(pl.lit(top)).otherwise(series)).to_series().alias(name)
            )
        if not series.dtype.is_numeric():
            raise PolicyError(f"column {name!r}: generalize.cap needs a numeric or text column, got {series.dtype}")
        return series.clip(upper_bound=params["cap"]).alias(name)
    if "date" in params:
        if not series.dtype.is_temporal():
            raise PolicyError(
                f"column {name!r}: generalize.date needs a date column, got {series.dtype} "
                "(declare kind: datetime, with a format if the dates are not ISO)"
            )
        unit = {"month": "1mo", "year": "1y"}[params["date"]]
        out = series.dt.truncate(unit).cast(pl.Date)
        if params.get("oldest") is not None:  # dates telling an age over oldest - 1 (HIPAA) as one earliest year
            earliest = dt.date(dt.date.today().year - int(params["oldest"]), 1, 1)
            out = out.clip(lower_bound=earliest)
        return out.alias(name)
    if "band" in params or "round" in params:
        if not series.dtype.is_numeric():
            raise PolicyError(
                f"column {name!r}: generalize.{'band' if 'band' in params else 'round'} "
                f"needs a numeric column, got {series.dtype}"
            )
        if "round" in params:
            step = params["round"]
            rounded = (series.cast(pl.Float64) / step).round(0) * step
            keep_int = series.dtype.is_integer() and float(step).is_integer()
            return (rounded.cast(series.dtype) if keep_int else rounded).alias(name)
        return _bands(series, float(params["band"]), params.get("top"))
    if "prefix" in params:  # a number's prefix is its code's: 2139 (or 2139.0) beside 94110 is "021"
        return code_text(series).str.slice(0, int(params["prefix"])).alias(name)
    raise PolicyError(
        f"column {name!r}: generalize needs one of date, band, round, prefix, cap, zip3 (got {dict(params)})"
    )


def _bands(series: pl.Series, width: float, top: float | None) -> pl.Series:
    values = series.cast(pl.Float64)
    low = (values / width).floor() * width
    whole = series.dtype.is_integer() or width.is_integer()

    def fmt(x: pl.Expr) -> pl.Expr:
        return x.cast(pl.Int64).cast(pl.String) if whole else x.round(6).cast(pl.String)

    high = low + width - 1 if whole else low + width
    label = pl.concat_str([fmt(pl.lit(low)), fmt(pl.lit(high))], separator="-")
    if top is not None:
        top_label = f"{int(top) if whole else top}+"
        label = pl.when(pl.lit(values) >= top).then(pl.lit(top_label)).otherwise(label)
    return pl.select(label).to_series().alias(series.name)


def mask_person_values(series: pl.Series, limit: int = PERSON_VALUES_CHECKED) -> pl.Series:
    """``series`` with each value that is wholly a person's name, as a category level is
    (:func:`~twinforge.privacy.pii.detect.is_person_level`), replaced by ``<PERSON>``; other values, nulls
    included, as they were. Of a column with more distinct values, the ``limit`` commonest are checked."""
    text = series.cast(pl.String)
    counts = text.drop_nulls().value_counts(sort=True, name="count").head(limit)
    names = [v for v in counts.get_column(counts.columns[0]).to_list() if is_person_level(v)]
    if not names:
        return text.alias(series.name)
    token = pl.lit(MASK_TOKENS[PERSON])
    named = pl.lit(text).is_in(pl.Series(names, dtype=pl.String).implode())
    return pl.select(pl.when(named).then(token).otherwise(pl.lit(text))).to_series().alias(series.name)


def suppress_rare(series: pl.Series, min_count: int, other: str = OTHER) -> pl.Series:
    """Categories seen fewer than ``min_count`` times become ``other``; nulls stay null."""
    text = series.cast(pl.String)
    counts = text.value_counts()
    rare = counts.filter(pl.col("count") < min_count).get_column(text.name).drop_nulls()
    return (
        pl.select(pl.when(pl.lit(text).is_in(rare.implode())).then(pl.lit(other)).otherwise(pl.lit(text)))
        .to_series()
        .alias(series.name)
    )


# ------------------------------------------------------------------ policy


@dataclass(frozen=True)
class ColumnAction:
    action: str
    params: dict = field(default_factory=dict)
    reason: str = "spec"

    def to_dict(self) -> dict:
        return {"action": self.action, "params": dict(self.params), "reason": self.reason}


@dataclass
class AnonymizationReport:
    rows: int
    actions: dict[str, str] = field(default_factory=dict)
    details: dict[str, dict] = field(default_factory=dict)  # column -> action, params, reason
    kept_despite_detection: list[str] = field(default_factory=list)

    def columns_with(self, action: str) -> list[str]:
        return [c for c, a in self.actions.items() if a == action]

    def to_dict(self) -> dict:
        return {
            "rows": self.rows,
            "actions": dict(self.actions),
            "dropped": self.columns_with("drop"),
            "pseudonymized": self.columns_with("pseudonymize"),
            "generalized": self.columns_with("generalize"),
            "suppressed_rare": self.columns_with("suppress_rare"),
            "masked": self.columns_with("mask"),
            "kept": self.columns_with("keep"),
            "kept_despite_detection": list(self.kept_despite_detection),
            "details": {c: dict(d) for c, d in self.details.items()},
        }


def default_action(entity: str, series: pl.Series) -> tuple[str, dict]:
    """The safe default for a column of ``entity``; a generalization the column cannot take is a drop."""
    action, params = DEFAULT_ACTIONS[entity]
    if entity == DOB and not series.dtype.is_temporal():
        return "drop", {}  # dates of birth that did not parse as dates cannot be coarsened safely
    return action, dict(params)


def resolve_policy(
    table: pl.DataFrame,
    columns: Mapping[str, Any] | None = None,
    detection: DetectionReport | None = None,
    schema: TableSchema | None = None,
    rare_min_count: int = DEFAULT_RARE_MIN_COUNT,
) -> dict[str, ColumnAction]:
    """The action for every column of ``table``.

    ``columns`` maps names to spec :class:`~twinforge.config.spec.ColumnPolicy` objects. Order of
    precedence: an explicit ``anonymize`` in the spec; role ``identifier`` (drop); a column
    detection says *is* PII (its type's safe default); free text or PII found inside values
    (mask); an inferred identifier (drop); otherwise keep. A column of categories some levels of
    which are people's names (a ``PERSON`` found inside the values of a column that is no free
    text) is masked value by value: those levels become ``<PERSON>``, the others stay.
    """
    columns = dict(columns or {})
    policy: dict[str, ColumnAction] = {}
    dtypes = table.schema  # built on each access: once here, never per column
    for name in table.columns:
        declared = columns.get(name)
        if declared is not None and declared.anonymize is not None:
            params: dict = {}
            if declared.anonymize == "generalize":
                params = declared.generalize.to_params()
            elif declared.anonymize == "suppress_rare":
                params = {"min_count": declared.min_count or rare_min_count}
            elif declared.anonymize == "mask":
                params = {"common_words": declared.mask_words == "common"}
            policy[name] = ColumnAction(declared.anonymize, params, "spec")
            continue
        if declared is not None and declared.role == "identifier":
            policy[name] = ColumnAction("drop", {}, "spec: role identifier")
            continue
        if not inspectable(dtypes[name]):  # fail closed: what cannot be looked at does not pass
            what = "nested values" if dtypes[name].is_nested() else f"values of type {dtypes[name]}"
            policy[name] = ColumnAction("drop", {}, f"default for {what}, which cannot be inspected")
            continue
        found = detection.columns.get(name) if detection is not None else None
        finding = found.column_finding if found is not None else None
        if finding is not None:
            action, params = default_action(finding.entity, table.get_column(name))
            policy[name] = ColumnAction(action, params, f"default for detected {finding.entity}")
        elif found is not None and (found.free_text or found.text_findings):
            inside = ", ".join(f.entity for f in found.text_findings)
            why = "free text" + (f" containing {inside}" if inside else "") if found.free_text else f"contains {inside}"
            params: dict = {}
            if found.free_text:
                params = {"common_words": declared is None or declared.mask_words == "common"}
            entities = {f.entity for f in found.text_findings}
            if not found.free_text and PERSON in entities:  # levels that are people's names (detect.person_levels)
                params = {"person_values": True} if entities - {PERSON} else {"person_values": True, "text": False}
            policy[name] = ColumnAction("mask", params, f"default for {why}")
        elif schema is not None and name in schema and schema[name].kind is ColumnKind.IDENTIFIER:
            policy[name] = ColumnAction("drop", {}, "default for an inferred identifier")
        else:
            policy[name] = ColumnAction("keep", {}, "spec" if declared is not None else "no PII found")
    return policy


def _as_action(value: str | ColumnAction) -> ColumnAction:
    return value if isinstance(value, ColumnAction) else ColumnAction(value)


def apply_policy(
    df: pl.DataFrame,
    policy: Mapping[str, str | ColumnAction],
    key: bytes | None = None,
    extra_names: frozenset[str] = frozenset(),
    detection: DetectionReport | None = None,
) -> tuple[pl.DataFrame, AnonymizationReport]:
    """Apply ``policy`` (column -> action name or :class:`ColumnAction`); columns it does not name are kept.

    Raises ``KeyError`` naming policy columns absent from the table, ``MissingKeyError``
    when a pseudonymize action has no key, :class:`WeakKeyError` when the key is weak (see
    :func:`~twinforge.privacy.pseudonym.check_key`), and
    :class:`PolicyError` for an action the column cannot take. ``extra_names`` (lower-cased
    names from the table's own name columns) are masked in text as well as known names.
    """
    unknown = sorted(set(policy) - set(df.columns))
    if unknown:
        raise KeyError(f"anonymization policy names columns not in the table: {unknown}")
    actions = {
        c: _as_action(policy[c]) if c in policy else ColumnAction("keep", {}, "not in the policy") for c in df.columns
    }
    bad = {c: a.action for c, a in actions.items() if a.action not in ACTIONS}
    if bad:
        raise ValueError(f"unknown anonymization actions {bad}; choose from {ACTIONS}")
    wanted = [c for c, a in actions.items() if a.action == "pseudonymize"]
    if wanted and not key:
        raise MissingKeyError(
            f"columns {wanted} are to be pseudonymized but {PSEUDONYM_KEY_ENV} is not set; "
            f"set it to a secret of at least {MIN_KEY_LENGTH} characters"
        )
    if wanted:
        key = check_key(key)

    schema = df.schema
    uninspectable = [c for c, a in actions.items() if a.action not in ("keep", "drop") and not inspectable(schema[c])]
    if uninspectable:
        raise PolicyError(f"columns {uninspectable} hold nested values that only keep or drop can take")

    # each transform takes a column (or the elements of a nested one) and the action's parameters
    transforms = {
        "pseudonymize": lambda s, params: pseudonymize(s, key).alias(s.name),
        "generalize": generalize,
        "suppress_rare": lambda s, params: suppress_rare(s, int(params.get("min_count", DEFAULT_RARE_MIN_COUNT))),
        "mask": lambda s, params: _mask(s, params, extra_names),
    }

    def replace(name: str) -> pl.Series:
        act = actions[name]
        return per_element(df.get_column(name), lambda s: transforms[act.action](s, act.params))

    # columns are transformed side by side: the Python of one (keyed hashing) runs while polars, which
    # releases the GIL, masks or generalizes another
    replaced = map_on_threads(replace, [c for c, a in actions.items() if a.action in transforms])
    out = df.with_columns(replaced).drop([c for c, a in actions.items() if a.action == "drop"])

    report = AnonymizationReport(
        rows=df.height,
        actions={c: a.action for c, a in actions.items()},
        details={c: a.to_dict() for c, a in actions.items()},
    )
    if detection is not None:
        report.kept_despite_detection = [
            c
            for c, a in actions.items()
            if a.action == "keep" and c in detection.columns and detection.columns[c].findings
        ]
    return out, report


def _mask(series: pl.Series, params: Mapping[str, Any], extra_names: frozenset[str]) -> pl.Series:
    """The ``mask`` action: values that are a person's name first (``person_values``), then the text (unless
    ``text`` is False)."""
    if params.get("person_values"):
        series = mask_person_values(series)
    series = mask_text(series, extra_names) if params.get("text", True) else series
    if params.get("date_elements"):  # the HIPAA profile: text holding dates among other values, the dates to the year
        from twinforge.privacy.hipaa import mask_date_elements

        series = mask_date_elements(series)
    if params.get("safe_harbor"):  # the HIPAA profile: date elements, ages over 89 and codes too
        from twinforge.privacy.hipaa import mask_safe_harbor_text

        series = mask_safe_harbor_text(series)
    if params.get("common_words"):
        series = keep_common_words(series)
    return series


def names_in(df: pl.DataFrame, columns: list[str]) -> frozenset[str]:
    """Lower-cased words of the values of person-name columns, to mask them inside free text too."""
    words: set[str] = set()
    for name in columns:
        s = df.get_column(name)
        if isinstance(s.dtype, pl.List):
            s = s.explode()
        if s.dtype != pl.String:
            continue
        words.update(
            s.drop_nulls()
            .unique()
            .str.to_lowercase()
            .str.extract_all(r"[a-z]+")
            .explode()
            .drop_nulls()
            .unique()
            .to_list()
        )
    return frozenset(words)


def person_columns(detection: DetectionReport | None, columns: Mapping[str, Any] | None = None) -> list[str]:
    found = []
    if detection is not None:
        found = [
            c
            for c, d in detection.columns.items()
            if d.column_finding is not None and d.column_finding.entity == PERSON
        ]
    return found


# ------------------------------------------------------------------ the whole stage


@dataclass
class AnonymizedTable:
    table: pl.DataFrame
    detection: DetectionReport
    report: AnonymizationReport
    privacy: PrivacyReport
    policy: dict[str, ColumnAction]
    profile: ProfileReport | None = None  # what each rule of privacy.profile did
    # positions (0-based, in the input table) of rows suppressed to reach privacy.k; not in ``table``
    suppressed_rows: list[int] = field(default_factory=list)
    k_enforcement: KEnforcement | None = None


def anonymize_table(
    table: pl.DataFrame,
    columns: Mapping[str, Any] | None = None,
    privacy: Any = None,
    key: bytes | None = None,
    schema: TableSchema | None = None,
    k_scheme: Mapping[str, Any] | None = None,
    level_min_count: int | None = None,
) -> AnonymizedTable:
    """Detect PII, resolve and apply the policy, enforce k-anonymity, and measure k / l-diversity.

    Struct columns are flattened first (``parent.field``; see :mod:`twinforge.privacy.nested`), so
    the output table has leaf columns where the input had structs.

    ``columns`` are the spec's column policies (roles give the quasi-identifiers and
    sensitive columns), ``privacy`` its :class:`~twinforge.config.spec.PrivacySpec` (defaults
    when None). With neither, detection and the safe defaults decide everything.
    ``privacy.profile`` tightens the policy (:func:`twinforge.privacy.hipaa.apply_profile`).
    With ``privacy.k`` the quasi-identifiers are generalized up their hierarchies
    (:func:`generalization_levels`) and the rows still in classes below k are suppressed: they
    are absent from the result's ``table`` and listed in ``suppressed_rows`` for the caller's
    quarantine. ``k_scheme`` (:meth:`KEnforcement.scheme` of the dataset's first batch) makes a later batch
    reuse that generalization, so that batches stack into one table of the same bands, and only suppress;
    a batch that would lose more than ``privacy.k_max_suppressed_share`` of its rows under it needs a
    coarser scheme and raises :class:`KSchemeError` rather than being generalized differently.
    ``level_min_count`` is the count from which the generator to be fitted learns a text value as a category (its
    ``rare_min_count``; default the generators' default): such levels that are people's names are masked.
    """
    from twinforge.config.spec import PrivacySpec
    from twinforge.io.schema import normalize_name
    from twinforge.privacy.k_anonymity import enforce_k, privacy_report
    from twinforge.privacy.pii.entities import hinted_entity

    columns = dict(columns or {})
    privacy = privacy or PrivacySpec()
    table = flatten_nested(table)  # every leaf of a struct or list is inspected and anonymized on its own
    columns = leaf_declarations(columns, table.columns)  # a struct's declaration is its fields'
    hinted_people = [c for c in table.columns if hinted_entity(normalize_name(c)) == PERSON]
    detection, policy, schema = _detect_and_resolve(table, columns, privacy, schema, hinted_people, level_min_count)
    profile = None
    if privacy.profile is not None:
        from twinforge.privacy.hipaa import apply_profile

        policy, profile = apply_profile(table, policy, columns, detection, schema)
    people = sorted(set(hinted_people) | set(person_columns(detection)))
    out, report = apply_policy(table, policy, key=key, extra_names=names_in(table, people), detection=detection)
    quasi = [c for c, p in columns.items() if p.role == "quasi_identifier"]
    sensitive = [c for c, p in columns.items() if p.role == "sensitive"]
    suppressed: list[int] = []
    enforcement = None
    if privacy.k is not None:
        present = [q for q in quasi if q in out.columns]
        steps = {q: generalization_steps(table.get_column(q), policy[q]) for q in present}
        if k_scheme is None:
            levels = {q: [generalize(table.get_column(q), step) for step in steps[q]] for q in present}
            out, suppressed, enforcement = enforce_k(out, present, privacy.k, levels, privacy.k_max_suppressed_share)
            enforcement.steps = {q: steps[q][n - 1] if n else {} for q, n in enforcement.levels.items()}
        else:
            out, suppressed, enforcement = _reuse_scheme(table, out, present, steps, k_scheme, privacy)
    measured = privacy_report(out, quasi, sensitive, k=privacy.k, l=privacy.l)
    return AnonymizedTable(out, detection, report, measured, policy, profile, suppressed, enforcement)


def apply_default_policy(
    df: pl.DataFrame,
    identifiers: list[str],
    spec_columns: Mapping[str, Any] | None = None,
    privacy: Any = None,
    schema: TableSchema | None = None,
    level_min_count: int | None = None,
) -> AnonymizedTable:
    """``df`` anonymized as ``twinforge synth`` and ``Synthesizer.fit`` anonymize a table before a generator
    learns it: the ``identifiers`` get the role identifier (dropped) unless ``spec_columns`` (a spec's column
    policies) declare them, and detection and the safe defaults decide the rest under ``privacy`` (a
    :class:`~twinforge.config.spec.PrivacySpec`; the defaults when None), with the pseudonym key from the
    environment (:func:`pseudonym_key_from_env`). ``schema`` and ``level_min_count`` are as for
    :func:`anonymize_table`.

    Raises ``KeyError`` naming the identifiers the table lacks and the columns it has (names, never values).
    """
    from twinforge.config.spec import ColumnPolicy

    unknown = [c for c in identifiers if c not in df.columns]
    if unknown:
        raise KeyError(f"identifier columns not in the table: {unknown} (its columns: {', '.join(df.columns)})")
    spec_columns = dict(spec_columns or {})
    columns = {
        **spec_columns,
        **{c: ColumnPolicy(role="identifier") for c in identifiers if c not in spec_columns},
    }
    return anonymize_table(
        df, columns, privacy, key=pseudonym_key_from_env(), schema=schema, level_min_count=level_min_count
    )


def _detect_and_resolve(
    table: pl.DataFrame,
    columns: dict[str, Any],
    privacy: Any,
    schema: TableSchema | None,
    hinted_people: list[str],
    level_min_count: int | None = None,
) -> tuple[DetectionReport, dict[str, ColumnAction], TableSchema]:
    """PII detection and the resolved policy of a flattened ``table`` (see :func:`anonymize_table`)."""
    from twinforge.privacy.pii import detect_pii

    if schema is None:  # ingestion passes its schema; otherwise identifiers are inferred here
        from twinforge.io.schema import infer_schema
        from twinforge.io.typing_rules import number_kinds

        schema = infer_schema(
            table,
            overrides=number_kinds(table),
            identifiers=[c for c, p in columns.items() if p.role == "identifier" and c in table.columns],
            detect_identifiers=True,
        )
    detection = detect_pii(
        table,
        sample_rows=privacy.detection.sample_rows,
        min_share=privacy.detection.min_share,
        seed=privacy.detection.seed,
        extra_names=names_in(table, hinted_people),
        **({"level_min_count": level_min_count} if level_min_count is not None else {}),
    )
    return detection, resolve_policy(table, columns, detection, schema, privacy.rare_min_count), schema


def default_policy(table: pl.DataFrame) -> dict[str, ColumnAction]:
    """The action the default policy (no spec: detection and the safe defaults) takes on each column of ``table``,
    as ``twinforge synth`` without ``--spec`` applies it; nothing is applied. Struct columns are flattened."""
    from twinforge.config.spec import PrivacySpec
    from twinforge.io.schema import normalize_name
    from twinforge.privacy.pii.entities import hinted_entity

    table = flatten_nested(table)
    hinted_people = [c for c in table.columns if hinted_entity(normalize_name(c)) == PERSON]
    return _detect_and_resolve(table, {}, PrivacySpec(), None, hinted_people)[1]


def _reuse_scheme(
    table: pl.DataFrame,
    out: pl.DataFrame,
    present: list[str],
    steps: dict[str, list[dict]],
    k_scheme: Mapping[str, Any],
    privacy: Any,
) -> tuple[pl.DataFrame, list[int], KEnforcement]:
    """``out`` generalized by a reference batch's steps, then the rows below k suppressed (see anonymize_table)."""
    from twinforge.privacy.k_anonymity import enforce_k

    reference = {q: dict(p) for q, p in (k_scheme.get("steps") or {}).items() if q in present}
    generalized = out.with_columns(generalize(table.get_column(q), p).alias(q) for q, p in reference.items() if p)
    kept, suppressed, enforcement = enforce_k(generalized, present, privacy.k, {}, privacy.k_max_suppressed_share)
    if len(suppressed) > privacy.k_max_suppressed_share * max(out.height, 1):
        raise KSchemeError(
            f"privacy.k={privacy.k}: under the generalization the dataset's first batch chose "
            f"({reference or 'none beyond the policy'}), {len(suppressed)} of {out.height} rows would be "
            f"suppressed, more than privacy.k_max_suppressed_share ({privacy.k_max_suppressed_share}); this batch "
            "needs a coarser scheme, and batches generalized differently cannot be stacked: declare the "
            "quasi-identifiers' generalization in the spec, or raise k_max_suppressed_share, and re-materialize "
            "every batch"
        )
    enforcement.levels = {q: int((k_scheme.get("levels") or {}).get(q, 0)) for q in present}
    enforcement.available_levels = {q: len(steps[q]) for q in present}
    enforcement.steps = {q: reference.get(q, {}) for q in present}
    enforcement.reused = True
    return kept, suppressed, enforcement


# ------------------------------------------------------------------ k-anonymity hierarchies

MAX_LEVELS = 12


def generalization_levels(original: pl.Series, action: ColumnAction) -> list[pl.Series]:
    """Ever coarser versions of a quasi-identifier, beyond what its policy already did (the
    generalizations :func:`generalization_steps` lists, applied to ``original``)."""
    return [generalize(original, step) for step in generalization_steps(original, action)]


def generalization_steps(original: pl.Series, action: ColumnAction) -> list[dict]:
    """The parameters of :func:`generalize` for ever coarser versions of a quasi-identifier.

    The hierarchy follows the column's generalization: dates month -> year; bands doubling in width
    (keeping ``top``) until one band spans every value; rounding to 10x, 100x; prefixes one
    character shorter down to one; an age cap to bands of 5, 10, 20 with the cap as top. A kept
    date or number gets the same from its type (numbers: bands starting near a fiftieth of the
    range). Text, pseudonyms and masked columns have none: only suppression helps them.
    """
    params = dict(action.params)
    steps: list[dict] = []
    values = original.drop_nulls()
    span = float(values.max()) - float(values.min()) if original.dtype.is_numeric() and values.len() else 0.0
    if action.action == "generalize":
        if params.get("date") == "month":
            steps = [{"date": "year"}]
        elif "band" in params:
            steps = [{"band": w, "top": params.get("top")} for w in _doubling(params["band"] * 2, span)]
        elif "round" in params:
            steps = [{"round": params["round"] * 10**i} for i in range(1, 3)]
        elif "prefix" in params:
            steps = [{"prefix": n} for n in range(int(params["prefix"]) - 1, 0, -1)]
        elif "cap" in params:
            steps = [{"band": w, "top": params["cap"]} for w in (5, 10, 20)]
    elif action.action == "keep":
        if original.dtype.is_temporal():
            steps = [{"date": "month"}, {"date": "year"}]
        elif original.dtype.is_numeric() and span > 0:
            width = 10 ** math.floor(math.log10(span / 50)) if span >= 50 else span / 50
            width = max(width, 1.0) if original.dtype.is_integer() else width
            steps = [{"band": w} for w in _doubling(width * 2, span)]
    return [{k: v for k, v in step.items() if v is not None} for step in steps]


def _doubling(start: float, span: float) -> list[float]:
    """Band widths start, 2*start, ... up to the first that covers ``span`` (at most MAX_LEVELS)."""
    widths = [start]
    while widths[-1] <= span and len(widths) < MAX_LEVELS:
        widths.append(widths[-1] * 2)
    return widths
