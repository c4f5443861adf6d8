"""Evaluation: the robot's decisions against the truth.

The truth is a synthetic world's ``truth.csv``, or what a specialist posted by
hand beside the robot in a period of test without posting, in the same
columns (``supplier_cvr``, ``invoice_id``, ``should_pay``, ``true_grant_id``,
``true_psp_element``, ``true_art``). Each invoice counts once, at its first
decision (a resend under the same number is the same invoice). Every invoice
gets one outcome:

- ``posted_right``: posted, should be paid, same grant, PSP element and art as the truth
- ``posted_wrong``: any other posting
- ``manual_payable``: sent to manual, should be paid (automation potential)
- ``manual_held``: sent to manual, rightly
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.cells import safe_frame
from invoicekit.errors import InputError
from invoicekit.identifiers import mask_cprs_in
from invoicekit.keys import normalise_numbers
from invoicekit.reasons import POSTED
from invoicekit.vocabulary import TRUTH_FIELDS

OUTCOMES = ("posted_right", "posted_wrong", "manual_payable", "manual_held")
OUTCOME_LABELS_DA = {
    "posted_right": "Bogført korrekt",
    "posted_wrong": "Bogført forkert",
    "manual_payable": "Manuel, kunne være betalt",
    "manual_held": "Manuel, med rette",
}
EVALUATION_COLUMNS = (
    "month",
    "row",
    "supplier_cvr",
    "invoice_id",
    "status",
    "reason",
    "grant_id",
    "true_grant_id",
    "psp_element",
    "true_psp_element",
    "art",
    "true_art",
    "should_pay",
    "outcome",
    "why",
    "cause",
)


def clopper_pearson(errors: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper–Pearson) interval for an error rate."""
    from scipy.stats import beta

    if n == 0:
        return 0.0, 1.0
    a = (1 - confidence) / 2
    low = 0.0 if errors == 0 else float(beta.ppf(a, errors, n - errors + 1))
    high = 1.0 if errors == n else float(beta.ppf(1 - a, errors + 1, n - errors))
    return low, high


@dataclass
class Evaluation:
    """Per invoice (``invoices``), the wrong postings (``wrong``) and the
    figures (``summary``)."""

    invoices: pd.DataFrame
    summary: dict

    @property
    def wrong(self) -> pd.DataFrame:
        return self.invoices[self.invoices["outcome"] == "posted_wrong"].reset_index(drop=True)

    def counts(self) -> pd.Series:
        return self.invoices["outcome"].value_counts().reindex(list(OUTCOMES), fill_value=0)

    def text(self) -> str:
        s = self.summary
        lines = [
            f"Invoices:            {s['invoices']:,}"
            + (f" ({s['without_truth']:,} without truth, left out)" if s["without_truth"] else ""),
            f"Posted:              {s['posted']:,} ({s['automation_rate']:.1%} automation)",
            f"  posted right:      {s['posted_right']:,}",
            f"  posted wrong:      {s['posted_wrong']:,}  error rate {s['error_rate']:.2%} "
            f"(95 % CI {s['error_rate_low']:.2%}–{s['error_rate_high']:.2%})",
            f"Manual:              {s['manual']:,}",
            f"  could be paid:     {s['manual_payable']:,} (automation potential)",
            f"  rightly held:      {s['manual_held']:,}",
        ]
        wrong = self.wrong
        if len(wrong):
            lines.append("Wrong postings:")
            for r in wrong.head(20).itertuples(index=False):
                where = f"{r.month} row {r.row}" if r.month else f"row {r.row}"
                lines.append(f"  {where}: {r.supplier_cvr} {r.invoice_id}: {r.why}")
            if len(wrong) > 20:
                lines.append(f"  … and {len(wrong) - 20} more (evaluation.csv)")
        return "\n".join(lines)

    def write(self, out: str | Path) -> dict[str, Path]:
        """``evaluation.csv`` (every invoice) and ``evaluation.xlsx`` (Oversigt,
        Fakturaer, Fejlposteringer)."""
        from invoicekit.workbook import write_workbook

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"csv": out / "evaluation.csv", "xlsx": out / "evaluation.xlsx"}
        safe_frame(self.invoices).to_csv(paths["csv"], index=False)
        overview = pd.DataFrame(
            [
                ("Fakturaer", self.summary["invoices"]),
                ("Bogført automatisk", self.summary["posted"]),
                ("Automatiseringsgrad", self.summary["automation_rate"]),
                *((OUTCOME_LABELS_DA[o], self.summary[o]) for o in OUTCOMES),
                ("Fejlrate i automatiske posteringer", self.summary["error_rate"]),
                ("Fejlrate, nedre 95 %-grænse", self.summary["error_rate_low"]),
                ("Fejlrate, øvre 95 %-grænse", self.summary["error_rate_high"]),
            ],
            columns=["Nøgletal", "Værdi"],
        )
        write_workbook(
            paths["xlsx"],
            {"Oversigt": overview, "Fakturaer": self.invoices, "Fejlposteringer": self.wrong},
            percent={"Oversigt": {"Værdi": [2, 7, 8, 9]}},
        )
        return paths


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip()


def parse_should_pay(values: pd.Series, source: str | Path = "truth") -> np.ndarray:
    """``should_pay`` as booleans: true/false, 1/0, ja/nej, yes/no."""
    v = _text(values).str.lower()
    ok = v.isin(["true", "false", "1", "0", "ja", "nej", "yes", "no"])
    if not ok.all():
        bad = v[~ok].iloc[0]
        raise InputError(source, "should_pay", f"{bad!r} is not true/false; expected true or false (ja/nej)")
    return v.isin(["true", "1", "ja", "yes"]).to_numpy()


def agrees_with_truth(m: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of decisions joined with their truth: whether the grant, the
    PSP element and the art are the truth's (blank equals blank). A posting is
    right when all three agree and the invoice should be paid."""

    def same(a: str, b: str) -> np.ndarray:
        return _text(m[a]).to_numpy() == _text(m[b]).to_numpy()

    return same("grant_id", "true_grant_id"), same("psp_element", "true_psp_element"), same("art", "true_art")


def first_decision(decisions: pd.DataFrame) -> np.ndarray:
    """True where a decision is its invoice's first: each invoice counts once
    (a resend under the same supplier and number, compared as check 10
    compares numbers, is the same invoice); blank numbers cannot be told
    apart and all count."""
    number = normalise_numbers(decisions["invoice_id"].to_numpy(dtype=object))
    key = pd.DataFrame({"cvr": decisions["supplier_cvr"].to_numpy(dtype=object), "number": number})
    later = key.duplicated(keep="first").to_numpy() & (number != "")
    return ~later


def evaluate(decisions: pd.DataFrame, truth: pd.DataFrame) -> Evaluation:
    """Compare decisions (the columns of ``decisions.csv``, from one or more
    runs in order; with ``month`` when they come from a replay) with the
    truth. Matches on ``(month, row)`` when both have them (a world's truth),
    else on ``(supplier_cvr, invoice_id)``."""
    return _judge(_join(decisions, truth))


def evaluate_alike(tables: Iterable[pd.DataFrame], truth: pd.DataFrame) -> Iterator[Evaluation]:
    """:func:`evaluate` for each of ``tables``, in order, joining the truth
    once for tables of the same invoices that differ only in status and
    reason (a replay under rule sets of one tolerance), and again for a
    table that differs in more."""
    first: pd.DataFrame | None = None
    for decisions in tables:
        if first is None or not _alike(first, decisions):
            first, joined = decisions, _join(decisions, truth)
            yield _judge(joined)
        else:
            yield _judge(joined, decisions)


#: the columns of the decisions, beside status and reason, that an evaluation reads
_READ = ("month", "row", "supplier_cvr", "invoice_id", "grant_id", "psp_element", "art")


def _alike(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two tables of decisions differ at most in status and reason."""
    return list(a.columns) == list(b.columns) and all(a[c].equals(b[c]) for c in _READ if c in a.columns)


@dataclass
class _Joined:
    """Decisions joined with the truth: each invoice once, at its first
    decision, those without truth left out (``without_truth`` of them);
    ``rows`` are their positions among the decisions, ``pay`` whether each
    should be paid."""

    table: pd.DataFrame
    rows: np.ndarray
    pay: np.ndarray
    without_truth: int


def _join(decisions: pd.DataFrame, truth: pd.DataFrame) -> _Joined:
    """The decisions and the truth joined, and what of that no status decides."""
    d = decisions.copy()
    for col in ("supplier_cvr", "invoice_id", "status", "reason", "grant_id", "psp_element", "art"):
        if col not in d:
            raise InputError("decisions", col, "missing; expected the columns of decisions.csv")
        d[col] = _text(d[col])
    t = truth.copy()
    for col in ("supplier_cvr", "invoice_id", *TRUTH_FIELDS):
        if col not in t:
            raise InputError(
                "truth",
                col,
                "missing; expected supplier_cvr, invoice_id, should_pay, true_grant_id, true_psp_element, true_art",
            )
    for col in ("supplier_cvr", "invoice_id", "true_grant_id", "true_psp_element", "true_art"):
        t[col] = _text(t[col])
    t["should_pay"] = parse_should_pay(t["should_pay"])
    t["invoice_id"] = mask_cprs_in(t["invoice_id"])  # decisions hold invoice numbers with CPR masked
    if "cause" not in t:
        t["cause"] = ""
    by_row = {"month", "row"} <= set(d.columns) and {"month", "row"} <= set(t.columns)
    if by_row:
        d["month"] = _text(d["month"])
        d["row"] = pd.to_numeric(d["row"]).astype(np.int64)
        t["month"] = _text(t["month"])
        t["row"] = pd.to_numeric(t["row"]).astype(np.int64)
        fields = t[["month", "row", *TRUTH_FIELDS, "cause"]]
        m = d.merge(fields, on=["month", "row"], how="left", validate="one_to_one")
    else:
        fields = t.drop_duplicates(["supplier_cvr", "invoice_id"])[
            ["supplier_cvr", "invoice_id", *TRUTH_FIELDS, "cause"]
        ]
        m = d.merge(fields, on=["supplier_cvr", "invoice_id"], how="left")
    for col in ("month", "row"):
        if col not in m:
            m[col] = "" if col == "month" else np.arange(1, len(m) + 1)
    # a left join on keys that are unique in the truth keeps the decisions' rows and order
    assert len(m) == len(d)
    first = first_decision(m)
    m = m[first].reset_index(drop=True)
    known = m["should_pay"].notna().to_numpy()
    without_truth = int((~known).sum())
    m = m[known].reset_index(drop=True)
    pay = m["should_pay"].astype(bool).to_numpy()
    for col in ("true_grant_id", "true_psp_element", "true_art", "cause"):
        m[col] = _text(m[col])
    return _Joined(m, np.flatnonzero(first)[known], pay, without_truth)


def _judge(joined: _Joined, decisions: pd.DataFrame | None = None) -> Evaluation:
    """The outcome of every joined invoice and the figures; with the status
    and reason of ``decisions`` instead when given (the same invoices)."""
    m = joined.table.copy()
    if decisions is not None:
        for col in ("status", "reason"):
            m[col] = _text(decisions[col]).iloc[joined.rows].reset_index(drop=True)
    pay, without_truth = joined.pay, joined.without_truth
    posted = (m["status"] == POSTED).to_numpy()
    grant_ok, psp_ok, art_ok = agrees_with_truth(m)
    right = posted & pay & grant_ok & psp_ok & art_ok
    m["outcome"] = np.select([right, posted, pay], ["posted_right", "posted_wrong", "manual_payable"], "manual_held")
    m["why"] = _why(m, posted & ~right, pay, grant_ok, psp_ok, art_ok)
    m["should_pay"] = np.where(pay, "true", "false")
    invoices = m[list(EVALUATION_COLUMNS)]
    n = len(invoices)
    counts = invoices["outcome"].value_counts()
    n_posted = int(posted.sum())
    wrong = int(counts.get("posted_wrong", 0))
    low, high = clopper_pearson(wrong, n_posted)
    summary = {
        "invoices": n,
        "without_truth": without_truth,
        "posted": n_posted,
        "manual": n - n_posted,
        **{o: int(counts.get(o, 0)) for o in OUTCOMES},
        "automation_rate": n_posted / n if n else 0.0,
        "error_rate": wrong / n_posted if n_posted else 0.0,
        "error_rate_low": low,
        "error_rate_high": high,
        "potential_rate": (int(counts.get("posted_right", 0)) + int(counts.get("manual_payable", 0))) / n if n else 0.0,
    }
    return Evaluation(invoices=invoices, summary=summary)


def _why(m: pd.DataFrame, wrong: np.ndarray, pay, grant_ok, psp_ok, art_ok) -> np.ndarray:
    """For each wrong posting, in Danish: what differs from the truth."""
    out = np.full(len(m), "", dtype=object)
    # the columns as arrays: a row taken out of the table each time is most of the work
    columns = ("grant_id", "true_grant_id", "psp_element", "true_psp_element", "art", "true_art", "cause")
    values = {c: m[c].to_numpy(dtype=object) for c in columns}
    for i in np.flatnonzero(wrong):
        r = {c: values[c][i] for c in columns}
        parts = []
        if not pay[i]:
            parts.append("skulle ikke være betalt")
        if not grant_ok[i] and pay[i]:
            parts.append(f"forkert bevilling ({r['grant_id']}, rigtig: {r['true_grant_id'] or 'ingen'})")
        if not psp_ok[i] and pay[i]:
            parts.append(f"forkert PSP-element ({r['psp_element']}, rigtig: {r['true_psp_element']})")
        if not art_ok[i] and pay[i]:
            parts.append(f"forkert art ({r['art']}, rigtig: {r['true_art']})")
        cause = r["cause"]
        out[i] = "; ".join(parts) + (f" [årsag: {cause}]" if cause else "")
    return out


def read_decisions(paths: list[str | Path]) -> pd.DataFrame:
    """One or more ``decisions.csv`` files, in the order given (runs in time
    order). A file inside a folder named ``YYYY-MM`` (a replay) gets that
    month, so it can be matched to a world's truth by row."""
    import re

    frames = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise InputError(p, None, "does not exist; expected a decisions.csv from invoicekit run")
        d = pd.read_csv(p, dtype=str, keep_default_na=False)
        if "status" not in d or "row" not in d:
            raise InputError(p, "status", "missing; expected a decisions.csv from invoicekit run")
        if re.fullmatch(r"\d{4}-\d{2}", p.parent.name):
            d["month"] = p.parent.name
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def read_truth_file(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "does not exist; expected a truth.csv or the specialist's postings")
    return pd.read_csv(path, dtype=str, keep_default_na=False)
