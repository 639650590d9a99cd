"""E-mail addresses at a network's private domains (``acme.local``, ``.corp``, ``.internal``, ``.lan``) are people's
addresses as much as public ones: found in values and in column names, masked in text."""

import polars as pl
import pytest

from twinforge.privacy.pii.detect import PersonalDataInColumnName, detect_pii

DOMAINS = ["acme.local", "acme.corp", "hq.acme.internal", "acme.lan", "acme.intranet", "corp.acme.localdomain"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_column_of_addresses_at_a_private_domain_is_found(domain):
    first = ["anna", "bruno", "carla", "dmitri", "eva", "farid", "gina", "hugo", "ines", "jonas"]
    values = [f"{first[i % 10]}.keller{i}@{domain}" for i in range(60)]
    report = detect_pii(pl.DataFrame({"contact": values, "age": list(range(60))}))
    finding = report.columns["contact"].column_finding
    assert finding is not None and finding.entity == "EMAIL_ADDRESS"
    assert report.columns["age"].column_finding is None


def test_a_column_named_with_an_address_at_a_private_domain_is_refused():
    with pytest.raises(PersonalDataInColumnName, match="column 2 of 2"):
        detect_pii(pl.DataFrame({"age": [1, 2], "jane.roe@acme.corp": ["a", "b"]}))


def test_look_alikes_at_no_domain_are_not_addresses():
    values = [f"build{i}@nightly" for i in range(30)] + [f"v{i}@3.2.1" for i in range(30)]
    report = detect_pii(pl.DataFrame({"tag": values}))
    assert report.columns["tag"].column_finding is None
