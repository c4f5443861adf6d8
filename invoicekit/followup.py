"""Follow-up on the robot's success rate, from its journal.

Each invoice counts once, at its first decision (a resend under the same
supplier and number is the same invoice); an invoice with no number counts
every time. A run belongs to the month its invoice extract is named for
(``invoices-2019-03.csv``, as in a replay), else to the month it started.

Every table is a function returning a DataFrame; the charts drawn from them
are in :mod:`invoicekit.charts` and the report's layout in
:mod:`invoicekit.reports`, so notebooks show the same as the report
(``invoicekit report followup``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.actions import (
    Actions,
    fix_list,
    rules_from_journal,
    supplier_of_rows,
    suppliers_posting_nothing,
    template_counted,
    template_fixable,
)
from invoicekit.case_parameters import PARAMS
from invoicekit.errors import InputError
from invoicekit.evaluate import (
    SOURCE_ROW,
    billed_ore,
    evaluate,
    first_decision,
    other_currency,
    read_truth_file,
    source_rows,
    truth_lines_beside,
)
from invoicekit.extracts import Grants, SupportSheet
from invoicekit.formats import decimals_beside, en_number, en_percent, en_rate
from invoicekit.identifiers import is_valid_cvr, map_unique
from invoicekit.journal import Journal, months_of_runs
from invoicekit.parsing import kroner
from invoicekit.reasons import LABELS_DA, POSTED
from invoicekit.sample import evaluate_control
from invoicekit.vocabulary import MONTH

log = logging.getLogger(__name__)

#: the paragraph or service of an invoice no grant was found for: none fitted, or the robot never looked
#: (no CPR number, say), so not "no grant fitted" (a user review)
UNKNOWN_DA = "Ukendt (ingen bevilling fundet)"


def load_decisions(journal: str | Path) -> pd.DataFrame:
    """Every decision in the journal with its run's ``month``, each invoice
    once at its first decision, in the order decided."""
    return first_decisions(load_every_decision(journal))


def decided_again(every: pd.DataFrame) -> pd.DataFrame:
    """Of :func:`load_every_decision`, the decisions that are not their
    invoice's first (a resend the robot held as a duplicate), with ``posted``."""
    out = every[~first_decision(every)].reset_index(drop=True)
    out["posted"] = out["status"] == POSTED
    return out


@dataclass(frozen=True)
class JournalRead:
    """The journal as one reading saw it: its ``runs`` and ``every``
    decision of them (:func:`load_every_decision`). A run the robot recorded
    while it was read (each run's row and decisions are committed together)
    is in neither: read apart, its decisions came with no month, and the
    follow-up and the fix list ended in a TypeError (an attack on 0.9.36)."""

    runs: pd.DataFrame
    every: pd.DataFrame

    @property
    def months(self) -> list[str]:
        """Every month the robot ran in (:func:`run_months`), in order."""
        return _months_run(self.runs)


def read_journal(journal: str | Path) -> JournalRead:
    """Every run of the journal and every decision of them, with its run's
    ``month``, in the order decided (:class:`JournalRead`). A reader holds
    no lock (the robot records on while a report is made): the runs are
    read first, and the decisions of any run recorded after that are left
    out, as the run is."""
    path = Path(journal)
    if not path.exists():
        raise InputError(path, None, "does not exist; expected the robot's journal (--journal of invoicekit run)")
    with Journal(path, readonly=True) as j:
        runs = j.runs()
        d = j.decisions()
    month = dict(zip(runs["run_id"].astype(int), months_of_runs(runs), strict=True))
    d = d[d["run_id"].isin(month.keys())].reset_index(drop=True)  # a run recorded since the runs were read
    if not len(d):
        if len(runs):  # the robot ran with it, and found no invoice
            raise InputError(
                path,
                None,
                f"holds no decisions yet: its {len(runs)} run(s) found no invoices; expected a journal with a run "
                "that decided invoices",
            )
        raise InputError(path, None, "holds no decisions yet; expected a journal the robot has run with")
    d.insert(0, "month", d["run_id"].map(month))
    if "invoices_sha256" in runs.columns:  # a numberless invoice of an extract run again counts once
        extract = dict(zip(runs["run_id"].astype(int), runs["invoices_sha256"], strict=True))
        d[SOURCE_ROW] = source_rows(d["run_id"].map(extract), d["row"])
    return JournalRead(runs, d)


def load_every_decision(journal: str | Path) -> pd.DataFrame:
    """Every decision in the journal with its run's ``month``, in the order
    decided: an invoice sent again once for each time (:func:`load_decisions`
    counts it once)."""
    return read_journal(journal).every


def run_months(journal: str | Path) -> list[str]:
    """Every month the robot ran in (see :func:`invoicekit.vocabulary.run_month`),
    in order: also a month whose runs found no invoice, which has no decision."""
    with Journal(Path(journal), readonly=True) as j:
        return _months_run(j.runs())


def _months_run(runs: pd.DataFrame) -> list[str]:
    """The months ``runs`` belong to, each once, in order."""
    return sorted(set(months_of_runs(runs)))


def not_read_in_month(journal: str | Path, month: str, files: dict[str, str | Path]) -> list[str]:
    """Of ``files`` (input name → path: ``grants``, ``support_sheet``), the
    names of those no run of ``month`` read: their SHA-256 is none the
    journal recorded for that input of that month's runs."""
    with Journal(Path(journal), readonly=True) as j:
        runs = j.runs()
        try:  # the journal keeps them keyed with its secret (schema 13): compared so
            digests = {name: j.file_digest(Path(path)) for name, path in files.items()}
        except InputError:  # the journal alone, without its key file: what its runs read cannot be told
            log.warning(
                "the journal's key file is not beside it: whether the month's runs read %s cannot be told",
                ", ".join(files),
            )
            return []
    of_month = runs[(months_of_runs(runs) == month).to_numpy()]
    return [name for name, digest in digests.items() if digest not in set(of_month[f"{name}_sha256"].dropna())]


def first_decisions(d: pd.DataFrame) -> pd.DataFrame:
    """Each invoice once, at its first decision; numberless invoices all count."""
    out = d[first_decision(d)].reset_index(drop=True)
    out["posted"] = out["status"] == POSTED
    return out


# ---------------------------------------------------------------- tables


def monthly_table(
    d: pd.DataFrame,
    target: float = 0.50,
    months: list[str] | None = None,
    calendar: bool = False,
    again: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per month: ``invoices``, ``posted``, ``manual``, ``automation_rate``,
    the ``target``, ``ran`` (whether the robot ran that month) and a
    ``note``; with ``months`` (:func:`run_months`), also each of those
    without decisions: no invoices, and no rate (NaN), noted "ingen
    fakturaer". With ``calendar``, also each month between the first and the
    last in which the robot did not run ("ingen kørsel", no invoices and no
    rate), so that a table or chart shows the gap rather than close it. With
    ``again`` (:func:`decided_again`), also ``again``, the month's decisions
    of invoices decided in an earlier month (resends, counted there), and a
    month that had only those is noted "kun gensendte fakturaer", not "ingen
    fakturaer": the robot found invoices that month (an attack on 0.9.32)."""
    g = d.groupby("month", sort=True)
    t = pd.DataFrame({"invoices": g.size(), "posted": g["posted"].sum().astype(int)})
    if months is not None:
        t = t.reindex(sorted(set(t.index) | set(months)), fill_value=0).rename_axis("month")
    t["ran"] = True
    if calendar and len(t):
        every = _calendar(list(t.index))
        if every is not None:
            t = t.reindex(every).rename_axis("month")
            t["ran"] = t["ran"].fillna(False).astype(bool)
            t[["invoices", "posted"]] = t[["invoices", "posted"]].fillna(0).astype(int)
    t["manual"] = t["invoices"] - t["posted"]
    t["automation_rate"] = (t["posted"] / t["invoices"].where(t["invoices"] > 0)).astype("float64")
    t["target"] = target
    none = NO_INVOICES
    if again is not None:
        t["again"] = t.index.map(again.groupby("month").size()).fillna(0).astype(int)
        none = np.where(t["again"] > 0, ONLY_RESENDS, NO_INVOICES)
    t["note"] = np.where(~t["ran"], NO_RUN, np.where(t["invoices"] == 0, none, ""))
    return t.reset_index()


#: a month's note in the follow-up's table (:func:`monthly_table`)
NO_RUN = "ingen kørsel"
NO_INVOICES = "ingen fakturaer"
ONLY_RESENDS = "kun gensendte fakturaer"


def _calendar(months: list[str]) -> list[str] | None:
    """Every month from the first of ``months`` to the last, or None where
    one is not a month :data:`~invoicekit.vocabulary.MONTH` reads (``YYYY-MM``
    of a year 1900-2099): a run's month read from an odd name or date is shown
    as it is, and no month is made up around it (2019-12 and 2150-01 made
    1,562 months until 0.9.33)."""
    if not months or not all(isinstance(m, str) and MONTH.fullmatch(m) for m in months):
        return None
    first, last = pd.Period(min(months), freq="M"), pd.Period(max(months), freq="M")
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def reason_table(d: pd.DataFrame, month: str | None = None) -> pd.DataFrame:
    """The manual reasons, most common first (a Pareto table): ``invoices``,
    ``share_of_manual``, ``cumulative_share`` and ``points``, the points of
    automation the reason costs (its invoices as a share of all invoices)."""
    scope = d if month is None else d[d["month"] == month]
    manual = scope[~scope["posted"]]
    counts = manual["reason"].value_counts()
    t = pd.DataFrame({"reason": counts.index, "invoices": counts.to_numpy()})
    t.insert(1, "label", [LABELS_DA.get(r, r) for r in t["reason"]])
    total_manual = max(len(manual), 1)
    t["share_of_manual"] = t["invoices"] / total_manual
    t["cumulative_share"] = t["share_of_manual"].cumsum()
    t["points"] = 100 * t["invoices"] / max(len(scope), 1)
    return t


def _main_reason(reasons: pd.Series) -> str:
    manual = reasons[reasons != ""]
    return LABELS_DA.get(manual.value_counts().index[0], "") if len(manual) else ""


def supplier_followup(
    d: pd.DataFrame, idle: set[str] | frozenset[str] = frozenset(), counted: np.ndarray | None = None
) -> pd.DataFrame:
    """Per supplier, most invoices first: ``invoices``, ``posted``,
    ``automation_rate``, ``main_reason`` (of its manual invoices),
    ``template_invoices`` (manual for a reason the contact template fixes,
    none at a supplier of ``idle``: :func:`~invoicekit.actions.suppliers_posting_nothing`; where
    ``counted`` is given, :func:`~invoicekit.actions.template_counted` of ``d``, which says all of that and
    more, those alone),
    ``template_points`` (the points of automation those invoices are) and
    ``invalid_cvr_invoices`` (its invoices written with no valid CVR number).
    An invoice with a mistyped CVR number counts under its supplier where the
    supplier's name tells which (:func:`supplier_of_rows`): until 0.9.15 each
    mistyped number was a supplier of its own, with the name of the real one."""
    reasons = d["reason"].where(~d["posted"], "")
    supplier = supplier_of_rows(d)
    frame = pd.DataFrame(
        {
            "supplier_cvr": supplier,
            "posted": d["posted"],
            "reason": reasons,
            # a letter to a number that is no CVR number reaches nobody, as the fix list writes none (an attack
            # on 0.9.36 found such a number at the top of the suppliers to contact)
            "template": (
                template_fixable(d.assign(reason=reasons))
                & ~supplier.isin(set(idle)).to_numpy()
                & map_unique(supplier, is_valid_cvr).astype(bool)
                if counted is None
                else np.asarray(counted, dtype=bool)  # these tests and more, as the fix list makes them
            ),
            "invalid_cvr": ~map_unique(d["supplier_cvr"].fillna("").astype(str), is_valid_cvr).astype(bool),
        }
    )
    g = frame.groupby("supplier_cvr", sort=False)
    t = pd.DataFrame(
        {
            "invoices": g.size(),
            "posted": g["posted"].sum().astype(int),
            "main_reason": g["reason"].agg(_main_reason),
            "template_invoices": g["template"].sum().astype(int),
        }
    )
    t.insert(2, "automation_rate", t["posted"] / t["invoices"])
    t["template_points"] = 100 * t["template_invoices"] / max(len(d), 1)
    t["invalid_cvr_invoices"] = g["invalid_cvr"].sum().astype(int)
    t = t.sort_values(["invoices", "posted"], ascending=False, kind="stable").reset_index()
    names = latest_names(d.assign(supplier_cvr=supplier), "supplier_cvr", "supplier_name")
    t.insert(1, "supplier_name", [names.get(c, "") for c in t["supplier_cvr"]])
    return t


def latest_names(d: pd.DataFrame, key: str, name: str) -> dict[str, str]:
    """The name each ``key`` (a CVR number, a service code) had in the latest
    decision that gave one; keys never named are left out. Runs recorded
    before the journal kept names give none."""
    if name not in d:
        return {}
    named = d[(d[name].fillna("") != "") & (d[key] != "")]
    return named.groupby(key, sort=False)[name].last().to_dict()


def template_candidates(d: pd.DataFrame, top: int = 10, suppliers: pd.DataFrame | None = None) -> pd.DataFrame:
    """The suppliers whose invoices would gain most from the contact template:
    most invoices sent to manual for a reason the template fixes, with the
    most common such reason. ``suppliers`` is :func:`supplier_followup` of
    ``d`` when already at hand."""
    t = supplier_followup(d) if suppliers is None else suppliers
    t = t[t["template_invoices"] > 0].sort_values(["template_invoices", "invoices"], ascending=False, kind="stable")
    fixable = d.assign(supplier_cvr=supplier_of_rows(d))[~d["posted"].to_numpy() & template_fixable(d)]
    main = fixable.groupby("supplier_cvr")["reason"].agg(lambda s: LABELS_DA.get(s.value_counts().index[0], ""))
    t["template_reason"] = t["supplier_cvr"].map(main).fillna("")
    cols = ["supplier_cvr", "supplier_name", "invoices", "automation_rate", "template_invoices", "template_points",
            "template_reason"]  # fmt: skip
    return t[cols].head(top).reset_index(drop=True)


def _group_table(d: pd.DataFrame, column: str) -> pd.DataFrame:
    # a collective invoice whose lines are of several paragraphs (services) names them all, in its lines' order:
    # one invoice, under the same key whatever that order (an attack on 0.9.30 found "108;104" and "104;108")
    key = pd.Series(map_unique(d[column], _in_order), index=d.index).where(d[column] != "", UNKNOWN_DA)
    # a credit note takes from the amount, written positive as the spec allows (document_type) or negative: it
    # added its amount where written positive, as every e-invoiced credit note is (an attack on 0.9.41)
    # kroner only: an invoice in another currency is counted beside the sum (the journal keeps the currency since
    # 0.9.43; a run recorded before kept none, and its invoices are summed as kroner, as they were)
    billed = billed_ore(d).fillna(0)
    g = d.assign(_key=key, _signed=billed, _other=other_currency(d)).groupby("_key", sort=False)
    t = pd.DataFrame(
        {
            "invoices": g.size(),
            "posted": g["posted"].sum().astype(int),
            # summed in øre (exact), shown in DKK
            "amount": kroner(g["_signed"].sum().astype("int64")),
            "other_currency": g["_other"].sum().astype(int),
            "main_reason": g.apply(lambda x: _main_reason(x["reason"].where(~x["posted"], "")), include_groups=False),
        }
    )
    t.insert(2, "automation_rate", t["posted"] / t["invoices"])
    t.index.name = column
    return t.sort_values("invoices", ascending=False, kind="stable").reset_index()


def _in_order(value: object) -> object:
    """A ``;``-joined key's parts sorted (numbers by their value), each once; anything else as it is."""
    if not isinstance(value, str) or ";" not in value:
        return value
    parts = {p.strip() for p in value.split(";") if p.strip()}
    return ";".join(sorted(parts, key=lambda p: (not p.isdecimal(), int(p) if p.isdecimal() else 0, p)))


def paragraph_table(d: pd.DataFrame) -> pd.DataFrame:
    """Per paragraph of the matched grant's service (blank when no grant was
    found): invoices, posted, automation rate, amount, main reason."""
    return _group_table(d, "paragraph")


def service_table(d: pd.DataFrame) -> pd.DataFrame:
    """Per service (ydelse) of the matched grant, as :func:`paragraph_table`,
    with its ``service_name`` as the grants last gave it."""
    several = map_unique(d["service_code"], lambda c: isinstance(c, str) and ";" in c).astype(bool)
    if "service_name" in d and several.any():
        # a collective invoice's services and their names, in the order its key is shown in (a review found the
        # names looked up under the key as written, and blank)
        rows = d[several]
        pairs = [
            _in_order_with(c, n) for c, n in zip(rows["service_code"], rows["service_name"].fillna(""), strict=True)
        ]
        d = d.copy()
        d.loc[several, "service_code"] = [c for c, _ in pairs]
        d.loc[several, "service_name"] = [n for _, n in pairs]
    t = _group_table(d, "service_code")
    names = latest_names(d, "service_code", "service_name")
    t.insert(1, "service_name", [names.get(c, "") for c in t["service_code"]])
    return t


def _in_order_with(codes: object, names: str) -> tuple[object, str]:
    """``codes`` as :func:`_in_order` gives them, and ``names`` (``;``-joined, one a code) in the same order; names
    of another count than the codes (two services of one name) as they are."""
    if not isinstance(codes, str) or ";" not in codes:
        return codes, names
    parts, named = codes.split(";"), names.split(";")
    ordered = _in_order(codes)
    if len(named) != len(parts):
        return ordered, names
    name_of = dict(zip((p.strip() for p in parts), named, strict=True))
    return ordered, ";".join(name_of.get(c, "") for c in ordered.split(";"))


def journal_lines(journal: str | Path) -> pd.DataFrame:
    """The lines of the journal's invoices decided line by line (``run_id``,
    ``row``, ``line_no`` and what each was posted on), for judging them line
    by line against a world's ``truth-lines.csv``."""
    with Journal(Path(journal), readonly=True) as j:
        return j.decision_lines(columns=["row", "line_no", "status", "grant_id", "psp_element", "art"])


def wrong_in_journal(journal: str | Path, truth: str | Path | pd.DataFrame, every: pd.DataFrame) -> pd.DataFrame:
    """:func:`wrong_from_truth` of the journal's decisions (``every``, as
    :func:`load_every_decision` gives them) against ``truth`` (a file, with
    the ``truth-lines.csv`` beside a world's ``truth.csv``, or a table), the
    collective invoices judged by the journal's lines."""
    if isinstance(truth, pd.DataFrame):
        return wrong_from_truth(every, truth, journal_lines(journal))
    return wrong_from_truth(every, read_truth_file(truth), journal_lines(journal), truth_lines_beside(truth))


def wrong_from_truth(
    decisions: pd.DataFrame,
    truth: pd.DataFrame,
    lines: pd.DataFrame | None = None,
    truth_lines: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per month with automatic postings (of ``decisions``, each invoice at
    its first decision: best every decision of the journal, as
    :func:`load_every_decision` gives them): ``posted``, those the truth has a
    row for (``checked``), those
    it says were wrong (another grant, PSP element or art, or not to be paid)
    and the error rate among those checked (NaN where none was);
    ``not_due`` of the wrong ones, those the truth says were not to be paid
    at all (a reminder under a new number, say: paid twice), and
    ``not_due_dkk`` their amount (``not_due_ore`` in whole øre, which totals add); and ``unchecked``, the postings the truth
    has no row for, which were counted as neither right nor wrong, and must
    not pass unsaid. Every decision is best: a resend's own decision then
    holds its row of the truth, which, given the first decisions alone,
    lies free for an invoice the truth's month and row cannot place (a
    month's rest run the next month, its rows from 1 again), and a right
    posting was judged by its resend's row (a review). ``lines`` and
    ``truth_lines``: a collective invoice decided line by line is judged by
    its lines (see :func:`~invoicekit.evaluate.evaluate`)."""
    d = first_decisions(decisions)
    evaluation = evaluate(decisions, truth, lines, truth_lines)  # each invoice judged at its first decision
    amounts = pd.array(decisions["amount_ore"], dtype="Int64")[evaluation.rows]
    ev = evaluation.invoices.assign(amount_ore=amounts)
    checked = ev[ev["outcome"].isin(["posted_right", "posted_wrong"])]
    # counted as numbers from the start: a truth of none of the postings gave an empty text column,
    # which fillna(0) below would refuse in a later pandas
    is_wrong = (checked["outcome"] == "posted_wrong").astype("int64")
    not_due = is_wrong * (checked["should_pay"] == "false")
    all_posted = d[d["status"] == POSTED].groupby("month", sort=True).size()
    t = pd.DataFrame(
        {
            "posted": all_posted,
            "checked": checked.groupby("month", sort=True).size(),
            "wrong": is_wrong.groupby(checked["month"], sort=True).sum(),
            "not_due": not_due.groupby(checked["month"], sort=True).sum(),
        }
    )
    t = t.fillna(0).astype("int64")  # no postings at all: empty columns, still numbers
    t["error_rate"] = (t["wrong"] / t["checked"]).where(t["checked"] > 0)
    paid = checked["amount_ore"].where(not_due.astype(bool), 0).fillna(0)  # summed in øre (exact), shown in DKK
    t["not_due_ore"] = paid.groupby(checked["month"], sort=True).sum().reindex(t.index, fill_value=0).astype("int64")
    t["not_due_dkk"] = kroner(t["not_due_ore"])
    t["unchecked"] = t["posted"] - t["checked"]
    t.index.name = "month"
    return t.reset_index()


def wrong_from_controls(paths: list[str | Path], journal: str | Path | None = None) -> pd.DataFrame:
    """Per filled-in control sheet: the month, postings checked, errors found
    and the upper bound on the error rate. With ``journal``, each sheet must
    have been drawn from its postings."""
    rows = []
    sheet_of: dict[str, str | Path] = {}
    for p in paths:
        r = evaluate_control(p, journal)
        if r.month in sheet_of:  # the same sheet twice, or two fillings of one month's sample: which holds?
            raise InputError(
                p,
                None,
                f"is a second control sheet for {r.month} (beside {sheet_of[r.month]}); give one filled-in sheet a month",
            )
        sheet_of[r.month] = p
        rows.append(
            {
                "month": r.month,
                "checked": r.checked,
                "errors": r.errors,
                "upper_bound": r.upper_bound,
                "tolerable": r.tolerable,
                "accepted": r.accepted,
                "not_covered": r.not_covered,
            }
        )
    columns = ["month", "checked", "errors", "upper_bound", "tolerable", "accepted", "not_covered"]
    return pd.DataFrame(rows, columns=columns)


def hours_saved(
    d: pd.DataFrame,
    params: dict[str, float] | None = None,
    months: list[str] | None = None,
    wrong: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hours saved per month and cumulated, with the business case's
    minutes: posted × (manual − control) − manual × exception − wrong ×
    correction, in hours, and their value at the hourly cost; ``months`` as
    :func:`monthly_table` takes them. The wrong postings are those ``wrong``
    (:func:`wrong_from_truth`) found, and of the postings it did not check,
    the business case's share (``error_rate``); without ``wrong``, that share
    of every posting."""
    v = {k: p.default for k, p in PARAMS.items()} | (params or {})
    m = monthly_table(d, months=months)
    wrong_postings = m["posted"] * v["error_rate"]
    if wrong is not None:
        known = m[["month"]].merge(wrong, on="month", how="left").fillna({"wrong": 0, "checked": 0})
        wrong_postings = known["wrong"].to_numpy() + (m["posted"] - known["checked"].to_numpy()) * v["error_rate"]
    saved = (
        m["posted"] * (v["minutes_manual"] - v["minutes_control"])
        - m["manual"] * v["minutes_exception"]
        - wrong_postings * v["minutes_correction"]
    ) / 60
    cumulative = saved.cumsum()
    out = pd.DataFrame({"month": m["month"], "hours_saved": saved.round(1) + 0.0})  # + 0.0: no "-0"
    out["cumulative_hours"] = cumulative.round(1) + 0.0
    out["value_dkk"] = (cumulative * v["hourly_cost"]).round(0) + 0.0
    return out


# ---------------------------------------------------------------- the report


@dataclass
class FollowUp:
    """Every table of the follow-up report, and its headline figures."""

    decisions: pd.DataFrame
    monthly: pd.DataFrame
    reasons: pd.DataFrame
    reasons_last: pd.DataFrame
    suppliers: pd.DataFrame
    template: pd.DataFrame
    paragraphs: pd.DataFrame
    services: pd.DataFrame
    hours: pd.DataFrame
    target: float
    wrong: pd.DataFrame | None = None
    controls: pd.DataFrame | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)
    #: next month's work: the fix list of the last month (:mod:`invoicekit.actions`)
    actions: Actions | None = None

    @property
    def last_month(self) -> str:
        return str(self.monthly["month"].iat[-1])

    def headline(self) -> dict[str, object]:
        m = self.monthly
        last = m.iloc[-1]
        controls = self.controls if self.controls is not None and len(self.controls) else None
        accepted = None if controls is None else controls["accepted"].astype(bool)
        # a control accepted of a sample drawn before later runs of its month posted more says nothing of
        # those postings: the month is not accepted as a whole (0.9.32 counted it as accepted all the same)
        partial = (
            None
            if controls is None
            else accepted & controls.get("not_covered", pd.Series(0, index=controls.index)).fillna(0).gt(0)
        )
        return {
            "months": int(m["ran"].sum()),
            "invoices": int(m["invoices"].sum()),
            "posted": int(m["posted"].sum()),
            "automation_rate": float(m["posted"].sum() / m["invoices"].sum()),
            "last_month": self.last_month,
            "last_month_rate": None if last["invoices"] == 0 else float(last["automation_rate"]),
            # the last month's decisions of invoices first decided in an earlier month: a month of resends
            # alone is no month without invoices (an attack on 0.9.32 found it said so)
            "last_month_again": int(last.get("again", 0)),
            "target": self.target,
            "hours_saved": float(self.hours["cumulative_hours"].iat[-1]),
            "value_dkk": float(self.hours["value_dkk"].iat[-1]),
            "wrong_postings": None if self.wrong is None else int(self.wrong["wrong"].sum()),
            "postings_checked": None if self.wrong is None else int(self.wrong["checked"].sum()),
            "postings_unchecked": None if self.wrong is None else int(self.wrong["unchecked"].sum()),
            # of the wrong postings, those not to be paid at all, and their amount
            "paid_not_due": None if self.wrong is None else int(self.wrong["not_due"].sum()),
            "paid_not_due_dkk": None if self.wrong is None else kroner(int(self.wrong["not_due_ore"].sum())),
            # the sample controls given (None without), how many accepted the whole month, the months not
            # accepted, and the months accepted of a sample that later runs' postings are not in
            "controls": None if controls is None else len(controls),
            "controls_accepted": None if accepted is None else int((accepted & ~partial).sum()),
            "controls_rejected": [] if accepted is None else [str(m) for m in controls.loc[~accepted, "month"]],
            "controls_partial": [] if partial is None else [str(m) for m in controls.loc[partial, "month"]],
        }

    def text(self) -> str:
        h = self.headline()
        rate, again = h["last_month_rate"], h["last_month_again"]
        if rate is not None:  # with the decimals that tell it from the target: 49.95%, not 50.0% (an attack on 0.9.32)
            last = f"{en_percent(rate, decimals_beside(rate, h['target']))} against a target of {en_rate(h['target'])}"
        elif again:  # each invoice counts under its first month: resends alone are no new invoices, but found ones
            last = (
                f"no new invoices (the robot found only {again:,} invoice{'s' if again != 1 else ''} it had seen "
                f"in an earlier month: {'resends' if again != 1 else 'a resend'}, held for a caseworker)"
            )
        else:
            last = "no invoices (the robot ran and found none)"
        lines = [
            f"{h['invoices']:,} invoices in {h['months']} month{'s' if h['months'] != 1 else ''}, "
            f"{h['posted']:,} posted automatically "
            f"({en_percent(h['automation_rate'], decimals_beside(h['automation_rate'], h['target']))}); "
            f"{h['last_month']}: {last}.",
            f"Hours saved so far: {en_number(h['hours_saved'], 1)} (worth {en_number(h['value_dkk'])} kr.).",
        ]
        if h["wrong_postings"] is not None:
            unchecked = h["postings_unchecked"]
            lines.append(
                f"Wrong postings found in the truth: {h['wrong_postings']:,} of {h['postings_checked']:,} checked"
                + (
                    f", {h['paid_not_due']:,} of them not to be paid at all ({en_number(h['paid_not_due_dkk'], 2)} kr.)"
                    if h["paid_not_due"]
                    else ""
                )
                + (
                    f"; {unchecked:,} automatic postings have no row in the truth and were not checked."
                    if unchecked
                    else "."
                )
            )
        for c in self.controls.itertuples(index=False) if self.controls is not None else ():
            lines.append(
                # the bound to a hundredth, as ``sample evaluate`` and the workbook show it, or finer where
                # that reads as the tolerable rate: 4.95 %, not 5.0 % (an attack on 0.9.32)
                f"Sample control {c.month}: {c.errors} wrong of {c.checked} checked, at most "
                f"{en_percent(c.upper_bound, decimals_beside(c.upper_bound, c.tolerable, 2))} wrong against "
                f"{en_rate(c.tolerable)} tolerable: "
                + ("accepted" if c.accepted else "not accepted")
                + (
                    f"; {c.not_covered} postings of later runs not covered, so not the whole month: draw a new sample."
                    if c.not_covered
                    else "."
                )
            )
        top = self.reasons.head(3)
        if len(top):  # none sent to manual: no line ending in nothing (an attack on 0.9.32)
            lines.append(
                "Largest manual reasons: "
                + "; ".join(f"{r.reason} {en_number(r.points, 1)} pt" for r in top.itertuples())
            )
        return "\n".join(lines)


def followup(
    journal: str | Path,
    truth: str | Path | pd.DataFrame | None = None,
    controls: list[str | Path] | None = None,
    target: float = 0.50,
    params: dict[str, float] | None = None,
    grants: Grants | pd.DataFrame | None = None,
    support: SupportSheet | dict | None = None,
) -> FollowUp:
    """Build every table of the follow-up report from the journal (and the
    truth or filled-in control sheets, when given), with the last month's fix
    list (more fixes when the month's ``grants`` and the ``support`` sheet
    are given)."""
    read = read_journal(journal)  # the runs and decisions of one reading: a run recorded meanwhile in neither
    every, months = read.every, read.months
    d = first_decisions(every)
    monthly = monthly_table(d, target, months=months, calendar=True, again=decided_again(every))
    last = str(monthly["month"].iat[-1])
    wrong = None
    if truth is not None:
        wrong = wrong_in_journal(journal, truth, every)
    rules = rules_from_journal(journal, last, runs=read.runs)
    # a supplier the rules exclude, or at which no grant can post, gains nothing from the template, as the
    # fix list says (a review of 0.9.21's first version found the excluded supplier at the top of the list)
    idle = suppliers_posting_nothing(grants, support, rules) | set(rules.excluded_suppliers)
    # the invoices the template's fix counts: not those the rules keep from posting with a CPR number and a period
    suppliers = supplier_followup(d, idle=idle, counted=template_counted(d, grants, support, rules))
    return FollowUp(
        decisions=d,
        monthly=monthly,
        reasons=reason_table(d),
        reasons_last=reason_table(d, last),
        suppliers=suppliers,
        template=template_candidates(d, suppliers=suppliers),
        paragraphs=paragraph_table(d),
        services=service_table(d),
        hours=hours_saved(d, params, months, wrong),
        target=target,
        wrong=wrong,
        controls=wrong_from_controls(controls, journal) if controls else None,
        source=str(journal),
        actions=fix_list(d, grants, support, month=last, settings=rules, run_months=months),
    )
