"""The whole type mapping, as ``invoicekit types`` runs it: :func:`map_types`
reads the extracts, learns the types from labels or finds them by clustering,
and returns a :class:`TypeMapping` with the tables, the figures, the robot's
posted share (:func:`posted_flags`) and which types are in scope, which
writes them out."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from invoicekit.cells import as_written, safe_frame
from invoicekit.errors import InputError, make_folder
from invoicekit.evaluate import other_currency, read_decisions
from invoicekit.extracts import read_grants
from invoicekit.formats import EXCEL_DECIMAL1, EXCEL_INT, EXCEL_MONEY
from invoicekit.identifiers import mask_cpr_text, mask_cprs_in, quoted
from invoicekit.types.charts import confusion_figure, standardisation_figure, supplier_figure, type_figure
from invoicekit.types.estimators import InvoiceClusters, InvoiceTypeClassifier
from invoicekit.types.features import invoice_features, invoice_money, read_extracts
from invoicekit.types.kinds import type_label
from invoicekit.types.labels import match_labels, read_labels
from invoicekit.types.scope import Scope, scope_summary, scope_table
from invoicekit.types.tables import DANISH, PERCENT_COLUMNS, danish_headers, supplier_table, type_table
from invoicekit.workbook import write_workbook


def posted_flags(invoices: pd.DataFrame, decision_paths: Sequence[str | Path]) -> np.ndarray:
    """Whether the robot posted each invoice (1.0/0.0). One decisions.csv per
    extract, in the same order and of the same length, its rows matched one
    to one: anything else is refused (``InputError``), where matching by
    supplier and number took another month's decisions without a word."""
    decisions = [read_decisions([p]) for p in decision_paths]
    # a month of no invoices: its extract adds no row, its decisions.csv (the robot's, a header alone) none
    # either (it was counted a decisions file too many: a review)
    files = list(dict.fromkeys(invoices["file"])) if "file" in invoices else [None]
    kept = [(p, d) for p, d in zip(decision_paths, decisions, strict=True) if len(d)]
    if len(decisions) != len(files) and len(kept) == len(files):  # only then: else the empty file is named below
        decision_paths, decisions = [p for p, _ in kept], [d for _, d in kept]
    sizes = [int((invoices["file"] == f).sum()) if f is not None else len(invoices) for f in files]
    if len(decisions) != len(files):
        raise InputError(
            None, "--decisions", f"{len(decisions)} file(s) for {len(files)} extract(s); expected one decisions.csv "
            "per extract, in the same order"
        )  # fmt: skip
    for path, d, size, f in zip(decision_paths, decisions, sizes, files, strict=True):
        if len(d) != size:
            raise InputError(
                path, None, f"decides {len(d):,} invoices where {Path(str(f)).name if f else 'the extract'} has "
                f"{size:,}; expected the decisions.csv of that extract, in the same order"
            )  # fmt: skip
    stacked = pd.concat(decisions, ignore_index=True)
    # the extract's cells as decisions.csv writes them (a formula start guarded: '-SOL-77)
    same = (stacked["invoice_id"].astype(str).to_numpy() == as_written(invoices["invoice_id"]).to_numpy()) & (
        stacked["supplier_cvr"].astype(str).to_numpy() == as_written(invoices["supplier_cvr"]).to_numpy()
    )
    if same.all():  # the decisions are the extracts', row for row
        return (stacked["status"] == "posted").to_numpy(dtype=float)
    i = int(np.flatnonzero(~same)[0])
    bounds = np.cumsum([0, *sizes])
    k = int(np.searchsorted(bounds, i, side="right") - 1)
    raise InputError(
        decision_paths[k],
        f"row {i - bounds[k] + 1}",
        f"decides invoice {quoted(stacked['invoice_id'].iat[i])} but that row of {files[k]} is invoice "
        f"{quoted(invoices['invoice_id'].iat[i])}; expected one decisions.csv per extract, in the same order",
    )


@dataclass
class TypeMapping:
    """What :func:`map_types` finds: ``types`` (one row per invoice),
    ``table`` (per type), ``suppliers`` (per supplier), and either ``quality``
    (cross-validated on the labelled sample) or ``clusters`` (top terms).
    ``table`` says for each type whether it is in scope and what decided it
    (:func:`~invoicekit.types.scope.scope_table`)."""

    types: pd.DataFrame
    table: pd.DataFrame
    suppliers: pd.DataFrame
    mode: str
    quality: pd.DataFrame | None = None
    macro_f1: float | None = None
    clusters: pd.DataFrame | None = None
    cv_true: np.ndarray | None = None
    cv_pred: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, object]:
        figs = {
            "types": type_figure(self.table),
            "standardisation": standardisation_figure(self.table),
            "suppliers": supplier_figure(self.suppliers),
        }
        if self.cv_true is not None and len(self.cv_true):
            figs["confusion"] = confusion_figure(
                self.cv_true, self.cv_pred, "Krydsvalideret på den mærkede stikprøve (andel af sand type)"
            )
        return figs

    def scope(self) -> Scope:
        """The shares of the invoices in scope, out of scope and undecided."""
        return scope_summary(self.table)

    def text(self) -> str:
        lines = [f"{len(self.types):,} invoices, {self.table['invoice_type'].nunique():,} types ({self.mode})."]
        lines += self.notes
        if self.macro_f1 is not None:
            lines.append(f"Macro F1, cross-validated on the labelled sample: {self.macro_f1:.3f}")
        show = self.table.copy()
        show["invoice_type"] = [
            mask_cpr_text(type_label(v)) for v in show["invoice_type"]
        ]  # before to_string escapes it
        cols = ["invoice_type", "invoices", "share", "share_of_amount", "with_cpr", "with_period", "single_citizen"]
        if "posted_share" in show:
            cols.append("posted_share")
        shown = show[cols].copy()
        for c in cols[2:]:
            shown[c] = (100 * shown[c]).map(lambda v: "" if pd.isna(v) else f"{v:.0f} %")
        lines.append(shown.to_string(index=False))
        lines.append(self.scope().text())
        top = self.suppliers[self.suppliers["non_standard"] > 0].head(5)
        lines.append("Suppliers whose invoices most need the contact template:")
        for r in top.itertuples(index=False):
            lines.append(
                f"  {r.supplier_cvr} {r.supplier_name}: {r.non_standard} of {r.invoices} non-standard (score {r.score:.0f})"
            )
        return mask_cpr_text("\n".join(lines))  # read by people: no CPR number

    def write(self, out: str | Path) -> dict[str, Path]:
        out = Path(out)
        make_folder(out)  # a file there is named as one (it said "--out: File exists")
        paths = {
            "types": out / "types.csv",
            "table": out / "type_table.csv",
            "suppliers": out / "suppliers.csv",
            "xlsx": out / "types.xlsx",
        }
        safe_frame(self.types).to_csv(paths["types"], index=False)
        safe_frame(self.table).to_csv(paths["table"], index=False)
        safe_frame(self.suppliers).to_csv(paths["suppliers"], index=False)
        sheets = {"Typer": danish_headers(self.table), "Leverandører": danish_headers(self.suppliers)}
        if self.quality is not None:
            paths["quality"] = out / "quality.csv"
            safe_frame(self.quality).to_csv(paths["quality"], index=False)
            sheets["Kvalitet"] = danish_headers(self.quality.rename(columns={"labelled": "Mærkede fakturaer"}))
        if self.clusters is not None:
            paths["clusters"] = out / "clusters.csv"
            safe_frame(self.clusters).to_csv(paths["clusters"], index=False)
            sheets["Grupper"] = danish_headers(self.clusters)  # it had the English names of clusters.csv
        sheets["Fakturaer"] = danish_headers(self.types)
        pct = [DANISH[c] for c in PERCENT_COLUMNS]
        shares = {"Typer": dict.fromkeys(pct), "Leverandører": dict.fromkeys(pct)}
        if self.quality is not None:
            shares["Kvalitet"] = dict.fromkeys(DANISH[c] for c in ("precision", "recall", "f1"))
        if "confidence" in self.types:
            shares["Fakturaer"] = {DANISH["confidence"]: None}
        if self.clusters is not None:
            shares["Grupper"] = dict.fromkeys(DANISH[c] for c in ("credit_share", "several_cpr_share"))
        counts = {DANISH[c]: EXCEL_INT for c in ("invoices", "non_standard", "other_currency")}
        counts |= {"Mærkede fakturaer": EXCEL_INT}
        counts |= {DANISH["score"]: EXCEL_DECIMAL1, DANISH["median_amount"]: EXCEL_MONEY}  # a score of 0-100: 33,3
        write_workbook(paths["xlsx"], sheets, percent=shares, formats=dict.fromkeys(sheets, counts))
        for name, fig in self.figures().items():
            paths[f"{name}_png"] = out / f"{name}.png"
            fig.savefig(paths[f"{name}_png"], dpi=110)
        return paths


def map_types(
    invoice_paths: Sequence[str | Path],
    labels: str | Path | pd.DataFrame | None = None,
    decisions: Sequence[str | Path] | None = None,
    grants: str | Path | None = None,
    n_clusters: int | None = None,
    random_state: int = 0,
) -> TypeMapping:
    """Map the invoice types of one or more extracts: learnt from ``labels``
    when given, else found by clustering; with per-type and per-supplier
    tables, and the robot's posted share when ``decisions`` are given."""
    invoices = read_extracts(invoice_paths)
    where = ", ".join(str(p) for p in invoice_paths)
    if len(invoices) == 0:
        raise InputError(where, None, "holds no invoices; expected an invoice extract with at least one row")
    if labels is None and len(invoices) < 2:
        raise InputError(where, None, "holds a single invoice; at least two are needed to find groups")
    grant_table = None
    if grants:
        grant_table = read_grants(grants)
    features = invoice_features(invoices, grant_table)
    ids = pd.DataFrame(
        {
            "file": invoices["file"],
            "row": invoices["row"],
            "supplier_cvr": invoices["supplier_cvr"],
            "invoice_id": invoices["invoice_id"],
        }
    )
    notes: list[str] = []
    quality = clusters = cv_true = cv_pred = None
    macro = None
    if labels is not None:
        label_frame = labels if isinstance(labels, pd.DataFrame) else read_labels(labels)
        if "invoice_type" in label_frame:  # a type's name is read by people in every table, chart and notebook
            label_frame = label_frame.assign(invoice_type=mask_cprs_in(label_frame["invoice_type"]))
        match = match_labels(invoices, label_frame)
        known = np.array([v is not None for v in match.labels])
        if match.unmatched or match.ambiguous:
            notes.append(
                f"{match.unmatched} labels matched no invoice and {match.ambiguous} matched several "
                "(give supplier_cvr, or month/file and row); they were left out."
            )
        source = labels if not isinstance(labels, pd.DataFrame) else None
        if not known.any():
            # said as it is, not as too few types: the labels named none of these invoices (another month's sample,
            # another extract, a key column that differs), where the error blamed the type column (an attack on 0.9.31)
            rest = (
                f" ({match.unmatched:,} matched none; the others several invoices, or one invoice with two types)"
                if match.unmatched < len(label_frame)
                else ""
            )
            raise InputError(
                source,
                None,
                f"none of the {len(label_frame):,} labels matched {'one' if rest else 'an'} invoice of {where} by "
                f"{' and '.join(match.key)}{rest}; expected labels of these invoices: check that the extracts are "
                f"the ones labelled and that the labels' {' and '.join(match.key)} are written as in the extracts",
            )
        y = match.labels[known].astype(str)
        if len(np.unique(y)) < 2:
            raise InputError(
                source,
                "invoice_type",
                "fewer than two types among the labels that matched an invoice; expected a labelled sample",
            )
        notes.append(f"Learnt from {known.sum()} labelled invoices ({known.mean():.0%} of the extract).")
        model = InvoiceTypeClassifier().fit(features[known].reset_index(drop=True), y)
        predicted = model.predict(features)
        confidence = model.predict_proba(features).max(axis=1)
        classes, counts = np.unique(y, return_counts=True)
        cv_classes = classes[counts >= 2]  # a type labelled once cannot be both learnt and tested
        if len(cv_classes) >= 2:
            keep = np.isin(y, cv_classes)
            folds = int(min(5, counts[counts >= 2].min()))
            cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
            sample = features[known].reset_index(drop=True)[keep].reset_index(drop=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                cv_pred = cross_val_predict(InvoiceTypeClassifier(), sample, y[keep], cv=cv)
            cv_true = y[keep]
            macro = float(f1_score(cv_true, cv_pred, average="macro"))
            report = classification_report(cv_true, cv_pred, output_dict=True, zero_division=0)
            quality = pd.DataFrame(
                [
                    {
                        "invoice_type": c,
                        "labelled": int(report[c]["support"]),
                        "precision": report[c]["precision"],
                        "recall": report[c]["recall"],
                        "f1": report[c]["f1-score"],
                    }
                    for c in cv_classes
                ]
            )
            if len(cv_classes) < len(classes):
                once = ", ".join(str(c) for c in classes[counts < 2])
                notes.append(f"Labelled once, so left out of the cross-validation: {once}.")
        else:
            notes.append("Too few labels per type to cross-validate (at least two of each are needed).")
        types = np.where(known, match.labels, predicted).astype(object)
        ids["invoice_type"] = types
        ids["labelled"] = known
        ids["confidence"] = np.where(known, 1.0, confidence).round(3)
        mode = "learnt from labels"
    else:
        model = InvoiceClusters(n_clusters=n_clusters, random_state=random_state).fit(features)
        names = np.asarray(model.names(), dtype=object)
        types = names[model.labels_]
        ids["invoice_type"] = types
        sizes = np.bincount(model.labels_, minlength=len(names))
        # the median of the kroner billed (the features' amount_dkk: evaluate's billed_ore, as the follow-up's
        # and the type table's amounts): a euro amount taken as kroner gave a group of stays a median of
        # 1,000,000 kr. (0.9.44)
        per_group = (
            features.assign(other_currency=other_currency(invoice_money(invoices)).astype(np.int64))
            .groupby(model.labels_)
            .agg(
                credit_share=("credit", "mean"),
                several_cpr_share=("several_cpr", "mean"),
                median_amount=("amount_dkk", "median"),
                other_currency=("other_currency", "sum"),
            )
            .reindex(range(len(names)))
        )
        clusters = pd.DataFrame(
            {"group": names, "invoices": sizes, "top_terms": [", ".join(t) for t in model.top_terms_]}
        ).join(per_group.reset_index(drop=True))
        how = {
            "given": "as asked (--clusters)",
            "fewer": f"fewer than the {n_clusters} asked: the invoices are not that different",
            "only": "the only number possible with so few different invoices",
            "silhouette": f"chosen by silhouette ({model.silhouettes_[model.n_clusters_]:.2f})",
            "upper bound": "the most tried (silhouette rises with every group added; --clusters K sets another number)",
        }[model.k_chosen_by_]
        notes.append(f"{model.n_clusters_} groups, {how}.")
        mode = "clustered, no labels"
    posted = posted_flags(invoices, decisions) if decisions else None
    table = scope_table(type_table(invoices, types, posted))
    suppliers = supplier_table(invoices, types, posted)
    return TypeMapping(ids, table, suppliers, mode, quality, macro, clusters, cv_true, cv_pred, notes)
