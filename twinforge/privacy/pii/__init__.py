"""PII detection and masking.

Detection (:func:`detect_pii`) combines column-name hints with content checks on a
sample: presidio-analyzer's pattern recognizers with their validators (Luhn for
cards, the IBAN checksum, phonenumbers for phones, ipaddress for IPs, SSN rules,
e-mail domains against the bundled public-suffix list), name lists from Faker's
locale providers for person names, and context words for dates of birth and
postal codes. Reports say which type, how confident and how large a share of the
sampled values, never the values.

Masking (:func:`mask_text`) replaces PII inside text with type tokens such as
``<EMAIL>``, over the whole column with vectorized patterns; it is deliberately
broader than detection (a masked non-PII number costs little, a missed one leaks).
"""

from twinforge.privacy.pii.detect import ColumnDetection, DetectionReport, detect_pii
from twinforge.privacy.pii.entities import DEFAULT_ACTIONS, ENTITIES, MASK_TOKENS
from twinforge.privacy.pii.mask import mask_text

__all__ = [
    "ColumnDetection",
    "DEFAULT_ACTIONS",
    "DetectionReport",
    "ENTITIES",
    "MASK_TOKENS",
    "detect_pii",
    "mask_text",
]
