"""Dagster asset checks: Great Expectations suites and gates on synthetic data."""
