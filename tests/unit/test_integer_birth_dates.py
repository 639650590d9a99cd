"""Birth dates written as integers: yyyymmdd (19610317, as claims, SAS and mainframe extracts store them)
are dates of birth by content; an integer column named like one (dob) is one by its name, unless it holds
years alone."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from twinforge.config.spec import PrivacySpec
from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii.detect import detect_pii
from twinforge.privacy.pii.entities import DOB


def _births(n=400, seed=4):
    rng = np.random.default_rng(seed)
    return [dt.date(1930, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 25_000, n)]


def _finding(values, name):
    report = detect_pii(pl.DataFrame({name: values, "amount": list(range(len(values)))}))
    return report.columns[name].column_finding


@pytest.mark.parametrize("name", ["patient_born_key", "bene_birth_dt", "dob"])
def test_yyyymmdd_birth_dates_are_dates_of_birth(name):
    finding = _finding([int(d.strftime("%Y%m%d")) for d in _births()], name)
    assert finding is not None and finding.entity == DOB


def test_an_integer_column_named_dob_is_one_whatever_its_values():
    excel_serials = [(d - dt.date(1899, 12, 30)).days for d in _births()]
    finding = _finding(excel_serials, "dob")
    assert finding is not None and finding.entity == DOB


def test_years_of_birth_are_not_dates_of_birth():
    assert _finding([d.year for d in _births()], "dob") is None


@pytest.mark.parametrize("step_days", [1, 7, 30])
@pytest.mark.parametrize("as_integers", [True, False], ids=["yyyymmdd", "dates"])
def test_a_regular_series_of_dates_is_no_birth_dates(step_days, as_integers):
    # a daily, weekly or monthly series over decades (exchange rates): each date once, at a regular step
    days = [dt.date(1960, 1, 1) + dt.timedelta(days=step_days * i) for i in range(800)]
    assert _finding([int(d.strftime("%Y%m%d")) for d in days] if as_integers else days, "date") is None


def test_many_peoples_birth_dates_are_birth_dates_though_nearly_every_day_is_taken():
    rng = np.random.default_rng(0)
    born = [dt.date(1950, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 20 * 365, 30_000)]
    assert _finding(born, "born_on").entity == DOB
    assert _finding(born, "d").entity == DOB


def test_yyyymmdd_dates_that_are_no_birth_dates_are_not():
    # a month of transaction dates: no spread of ages
    days = [dt.date(2024, 3, 1) + dt.timedelta(days=int(i % 30)) for i in range(400)]
    assert _finding([int(d.strftime("%Y%m%d")) for d in days], "posted") is None


def test_the_default_policy_and_the_hipaa_profile_leave_no_exact_birth_date():
    born = [int(d.strftime("%Y%m%d")) for d in _births()]
    table = pl.DataFrame({"patient_born_key": born, "sex": [1, 2] * 200})
    for privacy in (None, PrivacySpec(profile="hipaa_safe_harbor")):
        assert anonymize_table(table, privacy=privacy).table.columns == ["sex"]


def test_the_hipaa_profile_takes_other_yyyymmdd_dates_about_the_person_too():
    admitted = [int((d + dt.timedelta(days=365 * (2008 - d.year))).strftime("%Y%m%d")) for d in _births()]
    table = pl.DataFrame({"CLM_ADMSN_DT": admitted, "sex": [1, 2] * 200})
    assert anonymize_table(table).table.columns == ["CLM_ADMSN_DT", "sex"]  # no PII without the profile
    safe = anonymize_table(table, privacy=PrivacySpec(profile="hipaa_safe_harbor"))
    assert safe.table.columns == ["sex"]
