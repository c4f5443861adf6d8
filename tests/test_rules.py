from pathlib import Path

import pytest

from invoicekit import InputError, Rules, load_rules


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "rules.toml"
    f.write_text(text, encoding="utf-8")
    return f


def test_defaults_when_no_file():
    rules = load_rules(None)
    assert rules == Rules()
    assert rules.tolerance == 1.0 and rules.max_amount == 100_000.0
    assert rules.paragraphs == ("103", "104", "107", "108", "STU")
    assert rules.excluded_suppliers == ()


def test_every_key_is_optional(tmp_path):
    assert load_rules(write(tmp_path, "tolerance = 5\n")) == Rules(tolerance=5)


def test_a_rules_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Found by an attack on 0.9.13: Notepad's "UTF-8 with BOM" made the
    rules "not valid TOML (at line 1, column 1)"; the CSV readers take a BOM.
    A business-case file likewise."""
    from invoicekit.business_case import load_config

    f = tmp_path / "rules.toml"
    f.write_bytes('\ufefftolerance = 5\nparagraphs = ["§ 108"]\n'.encode())
    assert load_rules(f) == Rules(tolerance=5, paragraphs=("108",))
    g = tmp_path / "business.toml"
    g.write_bytes("\ufeffautomation_rate = [0.3, 0.4, 0.6]\n".encode())
    assert load_config(g).estimates["automation_rate"] == (0.3, 0.4, 0.6)


def test_paragraphs_and_suppliers_are_normalised(tmp_path):
    rules = load_rules(
        write(tmp_path, 'paragraphs = ["§ 107", "SEL §108", "stu"]\nexcluded_suppliers = ["DK 29345716"]\n')
    )
    assert rules.paragraphs == ("107", "108", "STU")
    assert rules.excluded_suppliers == ("29345716",)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("tolerence = 1\n", "key 'tolerence'"),
        ('tolerance = "1,00"\n', "key 'tolerance'"),
        ("max_amount = -5\n", "key 'max_amount'"),
        ('paragraphs = "108"\n', "key 'paragraphs'"),
        ('excluded_suppliers = ["12345678"]\n', "key 'excluded_suppliers'"),
        ("tolerance = true\n", "key 'tolerance'"),
        ("tolerance = \n", "not valid TOML"),
    ],
)
def test_bad_rules_name_the_file_and_key(tmp_path, text, where):
    with pytest.raises(InputError) as err:
        load_rules(write(tmp_path, text))
    assert "rules.toml" in err.value.line() and where in err.value.line()


def test_a_changed_rule_set_is_a_new_validated_one():
    rules = Rules()
    assert set(rules.to_dict()) == {
        "tolerance",
        "max_amount",
        "paragraphs",
        "excluded_suppliers",
        "supplementary_period_end",
    }
    changed = rules.replace(tolerance=25, paragraphs=["§ 107"])
    assert changed.tolerance == 25 and changed.paragraphs == ("107",) and rules.tolerance == 1.0
    with pytest.raises(InputError, match="speed"):
        rules.replace(speed=3)
    with pytest.raises(InputError, match="tolerance"):
        rules.replace(tolerance=-1)  # validated like a rules file


def test_rules_make_no_estimator_claim():
    """Rules once said it followed scikit-learn's parameter protocol, but
    clone() could not copy it; it now claims nothing it cannot keep."""
    assert not hasattr(Rules(), "get_params") and not hasattr(Rules(), "set_params")


def test_booleans_are_not_paragraphs(tmp_path):
    with pytest.raises(InputError, match="key 'paragraphs'"):
        load_rules(write(tmp_path, "paragraphs = [true]\n"))


@pytest.mark.parametrize(("text", "shown"), [("tolerance = true", "got True"), ("max_amount = 2e9", "got 2000000000.0"),
                                              ('tolerance = "5"', "got '5'")])  # fmt: skip
def test_a_refused_value_is_quoted_as_its_type(tmp_path, text, shown):
    """Masked before it is quoted, a number or a boolean must still read as
    one: 'got True' is another complaint than "got 'True'"."""
    (tmp_path / "r.toml").write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rules(tmp_path / "r.toml")
    assert str(caught.value).endswith(shown)


@pytest.mark.parametrize("given", ["SEL", "alle", "Serviceloven", "§"])
def test_a_word_that_names_no_paragraph_is_refused(tmp_path, given):
    """``paragraphs = ["SEL"]`` was taken as a paragraph named SEL: the
    robot then posted nothing of what the list was meant to allow, and
    nothing said why (an attack on 0.9.11)."""
    with pytest.raises(InputError, match=r"key 'paragraphs'.*expected one paragraph each") as err:
        load_rules(write(tmp_path, f'paragraphs = ["108", "{given}"]\n'))
    assert given in str(err.value)
    assert load_rules(write(tmp_path, 'paragraphs = ["108", "97", "Stu"]\n')).paragraphs == ("108", "97", "STU")


@pytest.mark.parametrize(
    ("text", "where", "said"),
    [
        ("max_amount = 25.000\n", "key 'max_amount'", "'25.000' is 25000 DKK with Danish thousands separators but 25"),
        ("tolerance   =  1.500   # kr.\n", "key 'tolerance'", "expected 1500 for 1500 kr., or 1.5 for 1.5 kr."),
        ('paragraphs = ["107"]\nmax_amount=100.000\n', "key 'max_amount'", "'100.000' is 100000 DKK"),
        # quoted keys and a signed value are the same rules to TOML (a review)
        ('"max_amount" = 25.000\n', "key 'max_amount'", "'25.000' is 25000 DKK"),
        ("'tolerance' = +1.500\n", "key 'tolerance'", "'1.500' is 1500 DKK"),
    ],
)
def test_an_amount_written_with_danish_thousands_separators_is_refused(tmp_path, text, where, said):
    """``max_amount = 25.000`` is 25 kr. to TOML: every invoice above 25 kr. went to manual, and
    the run said nothing (an analyst's walk-through of 0.9.16); ``tune --grid`` refused it already."""
    with pytest.raises(InputError) as err:
        load_rules(write(tmp_path, text))
    assert where in err.value.line() and said in err.value.line()


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("max_amount = 25000.0\n", "max_amount", 25000.0),
        ("max_amount = 2500.50\n", "max_amount", 2500.5),
        ("tolerance = 0.125\n", "tolerance", 0.125),
        ("tolerance = 1.0001\n", "tolerance", 1.0001),
        ("# max_amount = 25.000\nmax_amount = 25000\n", "max_amount", 25000),  # a comment is not read
    ],
)
def test_an_amount_with_a_decimal_point_is_read_as_written(tmp_path, text, key, value):
    assert getattr(load_rules(write(tmp_path, text)), key) == value


def test_a_long_refused_value_is_quoted_cut(tmp_path):
    """A list of 30,000 CVR numbers with one bad made a 360 kB error line (a review of 0.9.17)."""
    text = "excluded_suppliers = [" + ", ".join(['"12345678"'] * 30_000) + ", true]\n"
    with pytest.raises(InputError) as err:
        load_rules(write(tmp_path, text))
    assert len(err.value.line()) < 500 and "characters)" in err.value.line()


def test_a_list_rule_of_another_kind_is_refused_saying_what_it_takes(tmp_path):
    """An attack on 0.9.20: paragraphs = [103.0] was refused as "expected a list of strings", while
    whole numbers ([108]) are taken: the message now says both."""
    path = tmp_path / "rules.toml"
    path.write_text("paragraphs = [103.0]\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a list of texts or whole numbers"):
        load_rules(path)
    path.write_text("paragraphs = [108]\n", encoding="utf-8")
    assert load_rules(path).paragraphs == ("108",)


@pytest.mark.parametrize(
    "rule, amount, reason",
    [
        ("tolerance = 0.00999", "28.500,01", "AMOUNT_MISMATCH"),
        ("max_amount = 28499.99999", "28.500,00", "AMOUNT_ABOVE_LIMIT"),
        ("tolerance = 0.01", "28.500,01", ""),  # the tolerance as written: 0.01 kr. off is within it
        ("max_amount = 28500.00", "28.500,00", ""),
        ("max_amount = 28499.99", "28.500,00", "AMOUNT_ABOVE_LIMIT"),
    ],
)
def test_a_tolerance_or_limit_of_more_decimals_than_an_amount_is_never_more_lenient_than_written(
    example_case, rule, amount, reason
):
    """An attack on 0.9.25: the tolerance and the limit were rounded to the
    nearest ten-thousandth of a krone, so a tolerance of 0.00999 kr. let an
    invoice 0.01 kr. off be posted, and a limit of 28,499.99999 kr. an
    invoice of 28,500.00 kr. (spec, checks 15 and 20). Rounded down now."""
    import pandas as pd

    from invoicekit.cli import main

    invoices = example_case / "regninger.csv"
    text = invoices.read_text(encoding="cp1252")
    header, first = text.splitlines()[:2]  # the invoice alone
    assert first.startswith("SOL-1001;29345716;Bostedet Solhøj;610190-1234;01.03.2019;31.03.2019;28.500,00;")
    invoices.write_text(f"{header}\n{first.replace('28.500,00', amount)}\n", encoding="cp1252")
    rules = write(example_case, rule)
    out = example_case / "out"
    argv = ["run", "--grants", str(example_case / "bevillinger.csv"), "--invoices", str(invoices), "--support-sheet",
            str(example_case / "stoetteark.xlsx"), "--rules", str(rules), "--out", str(out), "--dry-run", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False).set_index("invoice_id")
    assert decisions.loc["SOL-1001", "reason"] == reason
    assert decisions.loc["SOL-1001", "status"] == ("posted" if not reason else "manual")
