"""The HTML report: every section, no raw values, and it renders in headless Chromium."""

import json
import shutil
import struct
import subprocess

import numpy as np
import polars as pl
import pytest

from twinforge.evaluation import QualitySpec, evaluate, write_report_html, write_report_json
from twinforge.io.schema import infer_schema

pytestmark = pytest.mark.usefixtures("one_thread")
SECTIONS = {"summary", "gates", "fidelity", "pairwise", "utility", "privacy"}
HEADINGS = [
    "Promotion gates",
    "Fidelity per column",
    "Distributions",
    "Pairwise fidelity",
    "Discriminator",
    "Utility (train on synthetic, test on real)",
    "Privacy",
    "Membership inference",
    "Attacks (anonymeter method)",
]


def accounts(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    balance = rng.lognormal(8, 1, n) + rng.random(n) / 1e4  # every value distinct, 8+ digits
    return pl.DataFrame({
        "balance": balance,
        "age": rng.integers(18, 90, n),
        "opened": pl.date_range(pl.date(2015, 1, 1), pl.date(2024, 12, 31), eager=True).sample(n, with_replacement=True,
                                                                                             seed=seed),
        "segment": rng.choice(["retail", "private", "business"], n),
        "churned": np.where(balance < 2000, "yes", "no"),
    })  # fmt: skip


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    train, holdout, synthetic = accounts(1500, 0), accounts(500, 1), accounts(1500, 2)
    quality = QualitySpec(attacks=200, privacy_queries=500, discriminator_rows=1000)
    report = evaluate(train, holdout, synthetic, infer_schema(train), target="churned", quality=quality)
    out = tmp_path_factory.mktemp("report")
    html = write_report_html(report, out / "quality.html", title="accounts <twin>")
    return {"report": report, "html": html, "json": write_report_json(report, out / "quality.json"), "train": train}


def test_page_has_every_section_and_gate(rendered):
    text = rendered["html"].read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}">' in text
    for heading in HEADINGS:
        assert heading in text, heading
    for gate in rendered["report"].gates:
        assert gate in text
    assert "accounts &lt;twin&gt;" in text
    assert ("PASSED all" if rendered["report"].passed else "FAILED") in text
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert text.count("<svg") >= 5 + 3 + 1 + 3  # columns, heatmaps, utility, privacy charts
    assert rendered["html"].stat().st_size < 1_000_000


def test_no_raw_value_of_a_numeric_column_leaves_the_evaluation(rendered):
    texts = rendered["html"].read_text(encoding="utf-8") + rendered["json"].read_text(encoding="utf-8")
    balances = rendered["train"]["balance"].to_list()
    leaked = [v for v in balances if repr(v) in texts or f"{v:.4f}" in texts]
    assert not leaked[:5]


def test_json_is_strict_and_holds_every_gate(rendered):
    data = json.loads(rendered["json"].read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert set(data["gates"]) == set(rendered["report"].gates)
    assert {"threshold", "value", "passed", "margin"} <= set(next(iter(data["gates"].values())))
    assert isinstance(data["passed"], bool)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return found


def _headless(chromium: str, profile, *args: str) -> subprocess.CompletedProcess:
    # flags from STACK.md: no sandbox (root in CI), nothing fetched from the network
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=180)


def test_report_renders_in_headless_chromium(rendered, tmp_path):
    chromium = _chromium()
    url = rendered["html"].as_uri()
    dom = _headless(chromium, tmp_path / "profile-dom", "--virtual-time-budget=5000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for heading in HEADINGS:
        assert heading in dom.stdout, heading
    for section in SECTIONS:
        assert f'id="{section}"' in dom.stdout
    shot = tmp_path / "report.png"
    run = _headless(
        chromium,
        tmp_path / "profile-shot",
        "--virtual-time-budget=5000",
        f"--screenshot={shot}",
        "--window-size=1280,4000",
        "--hide-scrollbars",
        url,
    )
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 4000)
    assert len(png) > 100_000  # a blank or unstyled page compresses to a few kilobytes
