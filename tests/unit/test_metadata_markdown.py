"""Text from the data stays text in the Markdown of Dagster metadata."""

from markdown_it import MarkdownIt

from assets.anonymize import _markdown_findings
from resources.metadata import md_list, md_text
from twinforge.privacy.anonymize import anonymize_table

HOSTILE = (
    "email | x ![t](https://attacker.example/pixel.png?leak) [Open report](https://attacker.example/login)\n# HACKED"
)


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_a_hostile_column_name_is_one_plain_cell_of_the_findings_table():
    import polars as pl

    emails = [f"person{i}@example.com" for i in range(60)]
    result = anonymize_table(pl.DataFrame({HOSTILE: emails, "n": list(range(60))}), key=b"k" * 32)
    html = _html(_markdown_findings(result))
    assert "<img" not in html and "<a " not in html and "<h1" not in html
    assert html.count("<tr>") == 2 and html.count("<td>") == 7  # the header and one finding, seven cells
    assert " ".join(HOSTILE.split()).replace("&", "&amp;") in html.replace("&quot;", '"')  # shown as written


def test_reasons_quoting_names_are_a_list_of_plain_text():
    html = _html(md_list(["column 'a_b' drifted", HOSTILE]))
    assert html.count("<li>") == 2 and "<img" not in html and "<a " not in html and "<h1" not in html
    assert "a_b" in html and "<em>" not in html
    assert md_list([]) == "none" and md_text("1. x") == "1\\. x"
