"""How a synthetic table is judged: evaluation sample sizes and the promotion gates' thresholds."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field


class GateThresholds(BaseModel):
    """Thresholds for the promotion gates; ``None`` turns a gate off."""

    model_config = ConfigDict(extra="forbid")

    # calibrated on the transformer (benchmarks/gate_calibration.py; docs/quality-and-gates.md)
    min_column_shape_score: float | None = Field(0.85, ge=0, le=1)
    # per-column gates: a column's difference counts only beyond sampling noise (docs/quality-and-gates.md)
    min_worst_column_score: float | None = Field(0.92, ge=0, le=1)
    max_null_share_difference: float | None = Field(0.05, ge=0, le=1)
    max_extreme_share_excess: float | None = Field(0.01, ge=0, le=1)
    min_dependence_score: float | None = Field(0.75, ge=0, le=1)
    # a process column's values, in standard errors from its distribution (the mean of its CDF at them, close
    # to normal: two-sided 6e-5 per column or group at 4)
    max_process_mean_z: float | None = Field(4.0, gt=0)
    max_discriminator_auc: float | None = Field(0.8, ge=0.5, le=1)
    min_utility_lift_retained: float | None = Field(0.8, le=1)
    max_exact_match_excess: float | None = Field(0.02, ge=0, le=1)
    max_dcr_share_closer_to_train: float | None = Field(0.6, ge=0.5, le=1)
    max_membership_advantage: float | None = Field(0.1, ge=0, le=1)
    max_singling_out_risk: float | None = Field(0.2, ge=0, le=1)
    max_linkability_risk: float | None = Field(0.2, ge=0, le=1)
    max_inference_risk: float | None = Field(0.5, ge=0, le=1)
    # differential privacy: the most ε a private generator may have spent; a spec with generator.params.dp
    # sets it to that budget (off otherwise)
    max_dp_epsilon: float | None = Field(None, gt=0)


class QualitySpec(BaseModel):
    """How a synthetic table is evaluated: sample sizes, attack count, seed, and the gate thresholds."""

    model_config = ConfigDict(extra="forbid")

    gates: GateThresholds = Field(default_factory=GateThresholds)
    seed: int = 0
    discriminator_rows: int = Field(10_000, ge=100)  # per class
    utility_rows: int = Field(50_000, ge=100)  # training rows per model
    privacy_rows: int = Field(20_000, ge=100)  # reference rows for nearest-neighbour searches
    privacy_queries: int = Field(5_000, ge=100)  # synthetic rows whose distances are measured
    # synthetic rows the quality report and the synthetic-vs-train drift page read: a larger twin is judged
    # on a seeded random sample of this many rows (memory stays bounded however many rows were sampled)
    synthetic_rows: int = Field(1_000_000, ge=1_000)
    attacks: int = Field(2_000, ge=10)  # attacks per anonymeter-style evaluation (at most the control rows)
    # inference-attack secrets; empty: the spec's sensitive and target columns, else every column
    secrets: list[str] = Field(default_factory=list)
    # OpenMP/BLAS threads for the models and neighbour searches; None: half the CPU cores, leaving room for
    # other Dagster steps (oversubscribed OpenMP slows the discriminator many-fold)
    threads: int | None = Field(None, ge=1)

    def thread_limit(self) -> int:
        return self.threads or max(1, (os.cpu_count() or 2) // 2)
