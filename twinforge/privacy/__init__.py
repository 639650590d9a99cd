"""Privacy of the input: PII detection, the anonymization policy and k-anonymity."""
