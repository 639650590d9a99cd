"""The PII types twinforge knows: names (presidio's), column-name hints, safe defaults, mask tokens."""

from __future__ import annotations

import re

EMAIL = "EMAIL_ADDRESS"
PHONE = "PHONE_NUMBER"
CARD = "CREDIT_CARD"
IBAN = "IBAN_CODE"
SSN = "US_SSN"
IP = "IP_ADDRESS"
DOB = "DATE_OF_BIRTH"
POSTAL = "POSTAL_CODE"
PERSON = "PERSON"
ADDRESS = "STREET_ADDRESS"
URL = "URL"
MAC = "MAC_ADDRESS"  # a network device's hardware address: a device identifier (HIPAA's 13th)
VIN = "VIN"  # a vehicle identification number (HIPAA's 12th)
UNLISTED = "UNLISTED_WORD"  # not a type of PII: a word free text keeps only when it is common (pii.vocabulary)
ENTITIES = (EMAIL, PHONE, CARD, IBAN, SSN, IP, DOB, POSTAL, PERSON, ADDRESS, URL, MAC, VIN)
# recognised by presidio-analyzer's predefined pattern recognizers
PRESIDIO_ENTITIES = (EMAIL, PHONE, CARD, IBAN, SSN, IP)

MASK_TOKENS = {
    EMAIL: "<EMAIL>",
    PHONE: "<PHONE>",
    CARD: "<CREDIT_CARD>",
    IBAN: "<IBAN>",
    SSN: "<SSN>",
    IP: "<IP_ADDRESS>",
    DOB: "<DATE_OF_BIRTH>",
    POSTAL: "<POSTAL_CODE>",
    PERSON: "<PERSON>",
    ADDRESS: "<ADDRESS>",
    URL: "<URL>",
    MAC: "<MAC_ADDRESS>",
    VIN: "<VIN>",
    "DATE": "<DATE>",
    UNLISTED: "<REDACTED>",
}

# What happens to a column of this type when the spec does not say: direct identifiers go,
# dates of birth keep their year, postcodes their first three characters.
DEFAULT_ACTIONS: dict[str, tuple[str, dict]] = {
    EMAIL: ("drop", {}),
    PHONE: ("drop", {}),
    CARD: ("drop", {}),
    IBAN: ("drop", {}),
    SSN: ("drop", {}),
    IP: ("drop", {}),
    PERSON: ("drop", {}),
    ADDRESS: ("drop", {}),
    URL: ("drop", {}),
    MAC: ("drop", {}),
    VIN: ("drop", {}),
    DOB: ("generalize", {"date": "year"}),
    POSTAL: ("generalize", {"prefix": 3}),
}

# Matched against normalize_name(column): whole-name patterns, so "clinic_name" is not a person
# and "email_opt_in" is not an e-mail address.
NAME_HINTS: dict[str, re.Pattern] = {
    EMAIL: re.compile(r"(^|_)(e_?mail|mail)(_?addr(ess)?)?$"),
    PHONE: re.compile(
        r"(^|_)(phone|telephone|tel|mobile|cell|cellphone|landline|whatsapp|msisdn|fax)(_?(no|num|number))?$"
    ),
    CARD: re.compile(r"(^|_)(credit_?card|card|cc|ccn|pan)_?(no|num|number)$|(^|_)credit_?card$"),
    IBAN: re.compile(r"(^|_)(iban|bank_account)(_?(no|num|number|code))?$"),
    SSN: re.compile(r"(^|_)(ssn|social_security(_number)?|social_security_no)$"),
    IP: re.compile(r"(^|_)(ip|ip_?addr(ess)?|ipv4|ipv6|remote_addr)$"),
    DOB: re.compile(r"(^|_)(dob|d_o_b|birth_?date|date_of_birth|birthday|birth_?dt|born(_on)?)$"),
    # with the abbreviations and suffixes of claims and registry data: zip5, ZIP_CD, BENE_ZIP_CD, postal_cd,
    # ZCTA5; not zip3 (already the first three digits), nor zipper or zip_file
    POSTAL: re.compile(r"(^|_)(zip|zcta|post_?code|postal|plz)(_?(code|cde|cd))?(_?[59])?$"),
    PERSON: re.compile(
        r"^(name|surname|forename)$"
        r"|(^|_)(first|last|given|family|middle|maiden|full|nick|sur|fore)_?name$"
        r"|(^|_)(patient|customer|client|contact|person|employee|member|owner|holder|applicant|guardian"
        r"|parent|spouse|physician|doctor)_(full_)?name$"
    ),
    # after e-mail and IP, whose hints also end in "address"
    ADDRESS: re.compile(r"(^|_)(address|addr|street|street_?address|address_?line_?\d?|home_?address)$"),
    URL: re.compile(r"(^|_)(url|uri|website|web_?site|homepage|home_?page|profile_?url)$"),
    MAC: re.compile(r"(^|_)(mac|mac_?addr(ess)?|hw_?addr(ess)?|hardware_?addr(ess)?|bssid)$"),
    VIN: re.compile(r"(^|_)(vin|vehicle_?id(entification)?_?(no|num|number)?)$"),
}


def hinted_entity(normalized_name: str) -> str | None:
    for entity, pattern in NAME_HINTS.items():
        if pattern.search(normalized_name):
            return entity
    return None
