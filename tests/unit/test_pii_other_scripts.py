"""Columns of people's names in scripts other than Latin are found by content, whatever the column's name.

Faker's name lists of those scripts are the reference (``recognizers.other_script_name``): every word listed, or
(written without spaces) a listed surname and given-name characters; nearly every value at least a listed word or
surname when the values are many and different. Words, towns, jobs and companies of the same scripts are no names.
"""

import random

import polars as pl
import pytest
import wordfreq
from faker import Faker

from twinforge.cli import main
from twinforge.io.tables import read_table
from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii import mask_text
from twinforge.privacy.pii.detect import detect_pii
from twinforge.privacy.pii.recognizers import other_script_name

KEY = b"k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"
UNSPACED = {"zh_CN", "zh_TW", "ja_JP", "ko_KR"}
# famous people, not drawn from Faker: surnames listed, most given names not
CHINESE = [
    "毛泽东",
    "周恩来",
    "邓小平",
    "刘德华",
    "张艺谋",
    "章子怡",
    "姚明",
    "李小龙",
    "林徽因",
    "钱学森",
    "杨振宁",
    "马化腾",
]
KOREAN = [
    "김연아",
    "박지성",
    "손흥민",
    "이순신",
    "김정은",
    "문재인",
    "윤석열",
    "박근혜",
    "이명박",
    "류현진",
    "송강호",
    "김태희",
]


def _person_columns(table: pl.DataFrame) -> set[str]:
    report = detect_pii(table)
    return {
        c for c, d in report.columns.items() if d.column_finding is not None and d.column_finding.entity == "PERSON"
    }


def _faker_names(locale: str, n: int = 60) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(0)
    sep = "" if locale in UNSPACED else " "
    return [fake.last_name() + sep + fake.first_name() for _ in range(n)]


@pytest.mark.parametrize("locale", ["hi_IN", "bn_BD", "th_TH", "zh_CN", "zh_TW", "ko_KR", "ja_JP", "ar_AA"])
def test_a_column_of_names_in_another_script_is_found_and_dropped(locale):
    rng = random.Random(0)
    table = pl.DataFrame({"x1": _faker_names(locale), "score": [rng.randint(1, 9) for _ in range(60)]})
    assert _person_columns(table) == {"x1"}
    assert anonymize_table(table, key=KEY).table.columns == ["score"]


def test_names_outside_the_lists_are_found_by_their_surnames_when_many_and_different():
    table = pl.DataFrame({"a": CHINESE + CHINESE[:4], "b": KOREAN + KOREAN[:4]})
    assert _person_columns(table) == {"a", "b"}


def test_a_few_peoples_names_repeated_are_a_column_of_names():
    rng = random.Random(2)
    people = {
        "cyrillic": ["Иван Петров", "Мария Смирнова", "Дмитрий Кузнецов", "Ольга Васильева", "Сергей Попов"],
        "devanagari": ["राहुल शर्मा", "प्रिया सिंह", "अमित कुमार", "सुनीता देवी", "विजय यादव", "पूजा जैन"],
        "han": ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "黄丽", "赵强"],
    }
    table = pl.DataFrame({column: [rng.choice(names) for _ in range(200)] for column, names in people.items()})
    assert _person_columns(table) == set(people)


def test_words_places_jobs_and_companies_of_other_scripts_are_no_names():
    rng = random.Random(3)
    columns = {}
    for language in ["zh", "ja", "ko", "hi", "ar", "ru", "fa", "he", "bn"]:
        words = [w for w in wordfreq.top_n_list(language, 5000) if w.isalpha() or language in ("hi", "bn")]
        columns[f"word_{language}"] = [rng.choice(words[:3000]) for _ in range(200)]
        columns[f"pair_{language}"] = [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(200)]
        columns[f"level_{language}"] = [rng.choice(words[100:110]) for _ in range(200)]
    for locale in ["zh_CN", "ja_JP", "ko_KR", "hi_IN", "th_TH", "ar_AA", "fa_IR", "bn_BD"]:
        fake = Faker(locale)
        fake.seed_instance(3)
        for kind in ["city", "job", "company", "street_name"]:
            try:
                columns[f"{kind}_{locale}"] = [getattr(fake, kind)() for _ in range(200)]
            except AttributeError:
                continue
    columns["result_ko"] = [rng.choice(["정상", "이상", "미확인"]) for _ in range(200)]  # normal, abnormal, unchecked
    assert _person_columns(pl.DataFrame(columns)) == set()


@pytest.mark.parametrize(
    ("value", "surety"),
    [("陈秀兰", 2), ("毛泽东", 1), ("김현숙", 2), ("राहुल शर्मा", 2), ("ชิดชนก เยาวธนโชค", 2)]
    + [("이상", 0), ("北京", 0), ("جنوب طاها", 0), ("कंप्यूटर का उपयोग", 0), ("Ivan Petrov", 0)],
)
def test_how_surely_a_value_is_a_name_in_another_script(value, surety):
    assert other_script_name(value) == surety


def test_synth_keeps_names_in_other_scripts_out_of_the_twin(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    rng = random.Random(4)
    names = _faker_names("zh_CN", 10) + _faker_names("hi_IN", 10)
    table = pl.DataFrame(
        {"ref": [rng.choice(names[:10]) for _ in range(300)], "age": [rng.randint(18, 90) for _ in range(300)]}
    )
    table = table.with_columns(other=pl.Series([rng.choice(names[10:]) for _ in range(300)]))
    source, twin = tmp_path / "people.csv", tmp_path / "twin.csv"
    table.write_csv(source)
    assert main(["synth", str(source), "--rows", "300", "--out", str(twin), "--no-progress"]) == 0
    printed = capsys.readouterr()
    assert "ref" in printed.out and "other" in printed.out
    text = twin.read_text()
    assert not [name for name in names if name in text or name in printed.out + printed.err]
    assert read_table(twin).columns == ["age"]


def test_chinese_mobile_numbers_written_bare_are_phone_numbers_as_text_and_as_integers():
    rng = random.Random(5)
    mobiles = [f"1{rng.choice(['38', '59', '86', '77', '99'])}{rng.randint(10**7, 10**8 - 1)}" for _ in range(60)]
    table = pl.DataFrame(
        {
            "contact": mobiles,
            "reference": [int(m) for m in mobiles],
            # eleven-digit ids are no phone numbers: any first digits, or a run from 100...
            "account": [rng.randint(10**10, 10**11 - 1) for _ in range(60)],
            "ticket": [10_000_000_000 + 7 * i for i in range(60)],
        }
    )
    report = detect_pii(table)
    found = {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding is not None}
    assert found == {"contact": "PHONE_NUMBER", "reference": "PHONE_NUMBER"}
    out = anonymize_table(table, key=KEY).table
    assert "contact" not in out.columns and "reference" not in out.columns


def test_thai_street_addresses_are_found_as_a_column_and_masked_in_text():
    fake = Faker("th_TH")
    fake.seed_instance(0)
    table = pl.DataFrame({"where": [fake.street_address() for _ in range(100)]})
    assert _column_entities(table) == {"where": "STREET_ADDRESS"}
    texts = ["บ้านเลขที่ 5/9 ถนนถนัดการยนต์ แขวง", "01 หมู่ 0 ถ.แท่นทอง", "ราคา 5 บาท"]
    assert mask_text(pl.Series(texts)).to_list() == ["บ้านเลขที่ <ADDRESS> แขวง", "<ADDRESS>", "ราคา 5 บาท"]


def _column_entities(table: pl.DataFrame) -> dict[str, str]:
    report = detect_pii(table)
    return {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding is not None}
