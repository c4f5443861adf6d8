"""Invoice types: what kinds of invoice an extract holds, how standardised
each kind and each supplier is, and which the robot can take.

Two estimators with scikit-learn's API work on the same features
(:func:`invoice_features`):

- :class:`InvoiceTypeClassifier` learns types from a labelled sample
  (``fit``/``predict``/``predict_proba``/``score``);
- :class:`InvoiceClusters` groups an unlabelled extract (``fit``/``predict``)
  and names each group by its top terms.

:func:`type_table` and :func:`supplier_table` summarise an extract by type and
by supplier, and :func:`map_types` does the whole step that
``invoicekit types`` runs.

Texts are normalised before any term is learnt: CPR numbers, dates and other
numbers become the tokens ``cprnr``, ``dato`` and ``tal``; and a term counts
only when it occurs on the invoices of several suppliers, so that no citizen's
name or number can become a feature or a cluster's top term.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, ClusterMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from invoicekit.cells import safe_frame
from invoicekit.columns import Column
from invoicekit.errors import InputError
from invoicekit.extracts import digits_key, prepare_invoices, read_invoices
from invoicekit.identifiers import mask_cprs_in
from invoicekit.invoice_types import TYPE_NAMES_DA, TYPES
from invoicekit.parsing import MONEY_SCALE, MONTHS_DA

#: numeric features, as computed by :func:`invoice_features`
NUMERIC = ("amount_dkk", "period_days")
#: yes/no features
FLAGS = (
    "credit",
    "no_amount",
    "no_period",
    "whole_month",
    "no_cpr",
    "one_cpr",
    "several_cpr",
    "no_invoice_id",
    "same_number_before",
    "same_content_before",
    "rate_multiple",
    "rate_unknown",
)
UNITS = ("day", "week", "month", "year", "hour")

# RE2-friendly (pyarrow) patterns; the order matters: CPR before dates before numbers
_NORMALISE = (
    (r"\b\d{6}-?\d{4}\b", " cprnr "),
    (r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b", " dato "),
    (r"\d+(?:[.,]\d+)*", " tal "),
)


#: words that say how an invoice is written, not what it is for: left out of the terms
STOP_WORDS = frozenset(
    [
        "tal",
        "cprnr",
        "dato",
        "cpr",
        "nr",
        "borger",
        "borgeren",
        "periode",
        "perioden",
        "til",
        "fra",
        "for",
        "og",
        "af",
        "i",
        "på",
        "med",
        "vedr",
        "vedrørende",
        "den",
        "det",
        "de",
        "en",
        "et",
        "er",
        "ved",
        "pr",
        "à",
        "kr",
        *MONTHS_DA,
    ]
)


def _name_words() -> frozenset[str]:
    """Common Danish first and last names (faker's ``da_DK`` lists): a name
    says who an invoice is for, never what it is, and must not become a term."""
    from faker.providers.person.da_DK import Provider

    names = [*Provider.first_names_male, *Provider.first_names_female, *Provider.last_names]
    return frozenset(w.lower() for name in names for w in re.findall(r"\w\w+", name))


NAME_WORDS = _name_words()
TERM_STOP_WORDS = sorted(STOP_WORDS | NAME_WORDS)
NAME_STOP_WORDS = sorted(NAME_WORDS)


def normalise_text(values: pd.Series) -> pd.Series:
    """Lower-case text with CPR numbers, dates and other numbers replaced by
    ``cprnr``, ``dato`` and ``tal``."""
    s = values.fillna("").astype("str").str.lower()
    for pattern, token in _NORMALISE:
        s = s.str.replace(pattern, token, regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


# ---------------------------------------------------------------- features


def read_extracts(paths: Sequence[str | Path]) -> pd.DataFrame:
    """One or more invoice extracts, prepared as the robot reads them and
    stacked in the order given, with ``file`` (the path) beside each ``row``."""
    frames = []
    for p in paths:
        inv = read_invoices(p).copy()
        inv.insert(0, "file", str(p))
        frames.append(inv)
    if not frames:
        raise InputError(None, "--invoices", "no invoice extract given")
    out = pd.concat(frames, ignore_index=True)
    out.attrs["invoicekit"] = "invoices"
    return out


def invoice_features(invoices: pd.DataFrame, grants: pd.DataFrame | None = None) -> pd.DataFrame:
    """The features of each invoice, one row per invoice in the same order.

    ``invoices`` is an extract (canonical or Danish columns) or the result of
    :func:`read_extracts`; rows are taken to be in the order received, so
    ``same_number_before`` and ``same_content_before`` mark an invoice whose
    supplier and number, or whose supplier, CPR numbers, period and amount,
    came earlier. With ``grants`` (prepared by
    :func:`invoicekit.extracts.read_grants`), ``rate_multiple`` says whether the
    amount is a whole multiple of the rate of a grant for the invoice's citizen
    and supplier, and ``grant_unit`` gives that grant's rate unit.
    """
    inv = prepare_invoices(invoices)
    n = len(inv)
    f = pd.DataFrame(index=pd.RangeIndex(n))
    f["text"] = normalise_text(inv["text"]).to_numpy()
    f["supplier"] = normalise_text(inv["supplier_name"]).to_numpy()
    f["supplier_key"] = inv["cvr_key"].to_numpy()
    ok = inv["amount_ok"].to_numpy(dtype=bool)
    amount = inv["amount"].to_numpy(dtype=np.int64)
    f["amount_dkk"] = np.where(ok, amount / MONEY_SCALE, np.nan)
    start = inv["period_start"].to_numpy().astype("datetime64[D]")
    end = inv["period_end"].to_numpy().astype("datetime64[D]")
    has_period = ~np.isnat(start) & ~np.isnat(end)
    days = (end - start).astype("timedelta64[D]").astype(np.float64) + 1
    f["period_days"] = np.where(has_period, days, np.nan)
    month_start = start.astype("datetime64[M]").astype("datetime64[D]")
    month_end = (end.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    whole = has_period & (start == month_start) & (end == month_end)
    count = inv["cpr_count"].to_numpy()
    flags = {
        "credit": ok & (amount < 0),
        "no_amount": ~ok,
        "no_period": ~has_period,
        "whole_month": whole,
        "no_cpr": count == 0,
        "one_cpr": count == 1,
        "several_cpr": count > 1,
        "no_invoice_id": (inv["invoice_id"] == "").to_numpy(),
    }
    key = inv["cvr_key"].astype("int64")
    numbered = inv["invoice_id"] != ""
    same_number = pd.DataFrame({"k": key, "i": inv["invoice_id"]}).groupby(["k", "i"], sort=False).cumcount() > 0
    flags["same_number_before"] = (same_number & numbered).to_numpy()
    content = pd.DataFrame({"k": key, "c": inv["cpr_all"], "s": start, "e": end, "a": np.where(ok, amount, -1)})
    same_content = content.groupby(["k", "c", "s", "e", "a"], sort=False, dropna=False).cumcount() > 0
    flags["same_content_before"] = (same_content & (count > 0) & ok & has_period).to_numpy()
    multiple, unknown, unit = _rate_multiple(inv, grants, amount, ok)
    flags["rate_multiple"] = multiple
    flags["rate_unknown"] = unknown
    for name in FLAGS:
        f[name] = np.asarray(flags[name], dtype=np.float64)
    f["grant_unit"] = unit
    return f


def _rate_multiple(
    inv: pd.DataFrame, grants: pd.DataFrame | None, amount: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(inv)
    multiple = np.zeros(n, dtype=bool)
    unit = np.full(n, "", dtype=object)
    if grants is None or not len(grants):
        return multiple, np.ones(n, dtype=bool), unit
    one = inv["cpr_count"].to_numpy() == 1
    keys = pd.DataFrame(
        {
            "i": np.arange(n),
            "cpr_key": digits_key(inv["cpr"].to_numpy(dtype=object)),
            "cvr_key": inv["cvr_key"].to_numpy(),
        }
    )[one]
    g = grants[["cpr_key", "cvr_key", "rate", "rate_unit"]]
    m = keys.merge(g, on=["cpr_key", "cvr_key"], how="inner")
    known = np.zeros(n, dtype=bool)
    known[m["i"].to_numpy()] = True
    rate = m["rate"].to_numpy(dtype=np.int64)
    a = np.abs(amount[m["i"].to_numpy()])
    hit = (rate > 0) & ok[m["i"].to_numpy()] & (a >= rate) & (a % np.maximum(rate, 1) == 0)
    multiple[m["i"].to_numpy()[hit]] = True
    first = m.drop_duplicates("i")
    unit[first["i"].to_numpy()] = first["rate_unit"].to_numpy(dtype=object)
    return multiple, ~known, unit


# ---------------------------------------------------------------- transformers


TOKEN = r"(?u)\b\w\w+\b"


class SharedTermsTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF of words and word pairs, keeping only terms that occur on the
    invoices of at least ``min_suppliers`` suppliers.

    Takes a two-column frame: the text and a supplier key. A citizen's name
    shows up on one or two suppliers' invoices; a word that says what was
    invoiced shows up across suppliers. The filter also makes a model learnt
    in one municipality carry over to another's suppliers.
    """

    def __init__(
        self,
        min_suppliers: int = 3,
        ngram_range: tuple[int, int] = (1, 2),
        max_features: int = 20000,
        stop_words: list[str] | None = None,
    ):
        self.min_suppliers = min_suppliers
        self.ngram_range = ngram_range
        self.max_features = max_features
        self.stop_words = stop_words

    def fit(self, X, y=None):
        text, supplier = self._columns(X)
        counts = CountVectorizer(
            ngram_range=self.ngram_range, binary=True, token_pattern=TOKEN, stop_words=self.stop_words
        )
        try:
            occurs = counts.fit_transform(text)
        except ValueError:  # no words at all
            occurs = None
        vocabulary: list[str] = []
        if occurs is not None:
            codes, _ = pd.factorize(supplier)
            by_supplier = sparse.csr_matrix(
                (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(codes.max() + 1, len(codes))
            )
            suppliers_per_term = np.asarray(((by_supplier @ occurs) > 0).sum(axis=0)).ravel()
            terms = counts.get_feature_names_out()
            keep = np.flatnonzero(suppliers_per_term >= self.min_suppliers)
            if len(keep) > self.max_features:
                keep = keep[np.argsort(-suppliers_per_term[keep], kind="stable")[: self.max_features]]
            vocabulary = sorted(terms[keep])
        self.vocabulary_ = vocabulary
        self.tfidf_ = None
        if vocabulary:
            self.tfidf_ = TfidfVectorizer(
                ngram_range=self.ngram_range,
                vocabulary=vocabulary,
                sublinear_tf=True,
                token_pattern=TOKEN,
                stop_words=self.stop_words,
            ).fit(text)
        return self

    def transform(self, X):
        check_is_fitted(self, "vocabulary_")
        text, _ = self._columns(X)
        if self.tfidf_ is None:
            return sparse.csr_matrix((len(text), 0))
        return self.tfidf_.transform(text)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        return np.asarray(self.vocabulary_, dtype=object)

    @staticmethod
    def _columns(X) -> tuple[np.ndarray, np.ndarray]:
        X = pd.DataFrame(X)
        return X.iloc[:, 0].fillna("").astype(str).to_numpy(), X.iloc[:, 1].to_numpy()


# amount in DKK and period in days, in bands a caseworker would name
AMOUNT_EDGES = (-1e12, -0.005, 100, 1000, 5000, 15000, 30000, 60000, 120000, 1e12)
DAYS_EDGES = (0, 1.5, 7.5, 27.5, 31.5, 62.5, 1e9)


def _bands(X) -> np.ndarray:
    X = pd.DataFrame(X, columns=list(NUMERIC))
    out = []
    for col, edges in (("amount_dkk", AMOUNT_EDGES), ("period_days", DAYS_EDGES)):
        v = X[col].to_numpy(dtype=np.float64)
        idx = np.digitize(v, edges[1:-1])
        one_hot = np.zeros((len(v), len(edges) - 1))
        known = ~np.isnan(v)
        one_hot[np.flatnonzero(known), idx[known]] = 1.0
        out.append(one_hot)
    return np.hstack(out)


def _band_names(_transformer, _input) -> np.ndarray:
    names = [f"amount_band_{i}" for i in range(len(AMOUNT_EDGES) - 1)]
    names += [f"days_band_{i}" for i in range(len(DAYS_EDGES) - 1)]
    return np.asarray(names, dtype=object)


def _features_of(X) -> pd.DataFrame:
    """Features from a feature frame or an invoice extract."""
    if isinstance(X, pd.DataFrame) and "supplier_key" in X and "text" in X and "credit" in X:
        return X
    return invoice_features(X)


def _columns_transformer(min_suppliers: int, text_weight: float = 1.0) -> ColumnTransformer:
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    return ColumnTransformer(
        [
            ("words", SharedTermsTfidf(min_suppliers=min_suppliers), ["text", "supplier_key"]),
            (
                "supplier",
                SharedTermsTfidf(min_suppliers=min_suppliers, ngram_range=(1, 1)),
                ["supplier", "supplier_key"],
            ),
            ("bands", FunctionTransformer(_bands, feature_names_out=_band_names), list(NUMERIC)),
            ("unit", OneHotEncoder(categories=[["", *UNITS]], handle_unknown="ignore"), ["grant_unit"]),
            ("flags", "passthrough", list(FLAGS)),
        ],
        transformer_weights={"words": text_weight, "supplier": 0.5},
    )


# ---------------------------------------------------------------- supervised


class InvoiceTypeClassifier(ClassifierMixin, BaseEstimator):
    """Learn invoice types from a labelled sample.

    ``X`` is an invoice extract as a DataFrame (canonical or Danish columns;
    rows in the order received) or the result of :func:`invoice_features`;
    ``y`` the types. ``score`` is accuracy, as for any scikit-learn
    classifier; use ``sklearn.metrics.f1_score(..., average="macro")`` for the
    balanced view :func:`map_types` reports.
    """

    def __init__(self, C: float = 20.0, min_suppliers: int = 3, class_weight: str | None = "balanced"):
        self.C = C
        self.min_suppliers = min_suppliers
        self.class_weight = class_weight

    def _pipeline(self) -> Pipeline:
        return Pipeline(
            [
                ("features", _columns_transformer(self.min_suppliers)),
                ("model", LogisticRegression(C=self.C, max_iter=5000, class_weight=self.class_weight)),
            ]
        )

    def fit(self, X, y):
        features = _features_of(X)
        y = np.asarray(y, dtype=object)
        if len(y) != len(features):
            raise ValueError(f"{len(features)} invoices but {len(y)} labels")
        self.pipeline_ = self._pipeline().fit(features, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict(_features_of(X))

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(_features_of(X))


# ---------------------------------------------------------------- unsupervised


def _distinct_rows(M) -> int:
    """How many different rows a sparse matrix has."""
    M = sparse.csr_matrix(M)
    M.sort_indices()
    rows = {
        (M.indices[a:b].tobytes(), np.round(M.data[a:b], 12).tobytes())
        for a, b in zip(M.indptr[:-1], M.indptr[1:], strict=True)
    }
    return max(1, len(rows))


class InvoiceClusters(ClusterMixin, BaseEstimator):
    """Group an extract with no labels into kinds of invoice (k-means on the
    text terms and the yes/no features), choosing the number of groups by
    silhouette when ``n_clusters`` is None. ``top_terms_`` names each group by
    the terms that weigh most in its centre; ``labels_`` holds each invoice's
    group."""

    def __init__(
        self,
        n_clusters: int | None = None,
        k_range: tuple[int, int] = (4, 20),
        min_suppliers: int = 3,
        random_state: int = 0,
        n_terms: int = 5,
    ):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.min_suppliers = min_suppliers
        self.random_state = random_state
        self.n_terms = n_terms

    def _matrix(self, features: pd.DataFrame, fit: bool):
        if fit:
            self.words_ = SharedTermsTfidf(min_suppliers=self.min_suppliers, stop_words=TERM_STOP_WORDS).fit(
                features[["text", "supplier_key"]]
            )
        words = self.words_.transform(features[["text", "supplier_key"]])
        flags = features[["credit", "several_cpr", "no_cpr", "same_number_before", "same_content_before"]]
        bands = _bands(features[list(NUMERIC)])
        weights = np.array([2.0, 0.8, 0.3, 0.8, 0.8])
        dense = np.hstack([flags.to_numpy(dtype=np.float64) * weights, bands * 0.3])
        return normalize(sparse.hstack([words, sparse.csr_matrix(dense)]).tocsr())

    def fit(self, X, y=None):
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        features = _features_of(X)
        M = self._matrix(features, fit=True)
        n = M.shape[0]
        if n < 2:
            raise ValueError("at least two invoices are needed to find groups")
        # more groups than distinct invoices would leave groups empty
        limit = _distinct_rows(M) if n <= 5000 else n
        if self.n_clusters is not None:
            ks = [max(1, min(self.n_clusters, limit))]
        else:
            ks = list(range(self.k_range[0], min(self.k_range[1], limit, n - 1) + 1)) or [max(1, min(2, limit))]
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(n, size=min(n, 3000), replace=False)
        best = None
        self.silhouettes_ = {}
        for k in ks:
            km = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(M)
            labels = km.labels_
            found = len(np.unique(labels[sample]))
            # the silhouette is defined for 2 to (samples − 1) groups
            valid = 2 <= found <= len(sample) - 1
            score = silhouette_score(M[sample], labels[sample], random_state=self.random_state) if valid else -1.0
            self.silhouettes_[k] = float(score)
            if best is None or score > best[0] + 1e-9:
                best = (score, k, km)
        if self.n_clusters is not None:
            self.k_chosen_by_ = "given" if best[1] == self.n_clusters else "fewer"
        elif len(ks) == 1:
            self.k_chosen_by_ = "only"
        else:
            self.k_chosen_by_ = "upper bound" if best[1] == ks[-1] else "silhouette"
        _, self.n_clusters_, self.kmeans_ = best
        self.labels_ = self.kmeans_.labels_
        self.top_terms_ = self._top_terms()
        return self

    def _top_terms(self) -> list[list[str]]:
        terms = self.words_.get_feature_names_out()
        centres = self.kmeans_.cluster_centers_[:, : len(terms)]
        out = []
        for c in centres:
            order = np.argsort(-c, kind="stable")[: self.n_terms]
            out.append([str(terms[i]) for i in order if c[i] > 0])
        return out

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "kmeans_")
        return self.kmeans_.predict(self._matrix(_features_of(X), fit=False))

    def names(self) -> list[str]:
        """A name for each group: its number and first top terms."""
        check_is_fitted(self, "kmeans_")
        return [f"gruppe {i + 1:02d}: {', '.join(t[:3]) or '(ingen tekst)'}" for i, t in enumerate(self.top_terms_)]


# ---------------------------------------------------------------- tables


def _standardisation(inv: pd.DataFrame) -> pd.DataFrame:
    """What the robot needs of each prepared invoice: ``with_cpr``,
    ``with_period``, ``single_citizen``."""
    count = inv["cpr_count"].to_numpy()
    with_period = ~np.isnat(inv["period_start"].to_numpy()) & ~np.isnat(inv["period_end"].to_numpy())
    return pd.DataFrame({"with_cpr": count >= 1, "with_period": with_period, "single_citizen": count == 1})


def type_table(invoices: pd.DataFrame, types, posted=None) -> pd.DataFrame:
    """Per type: ``invoices``, ``share`` of invoices, ``amount`` (DKK),
    ``share_of_amount`` (of the absolute amounts), ``posted_share`` (when
    ``posted`` — one yes/no per invoice — is given), and how standardised:
    ``with_cpr``, ``with_period``, ``single_citizen``."""
    inv = prepare_invoices(invoices)
    ok = inv["amount_ok"].to_numpy(dtype=bool)
    amount = np.where(ok, inv["amount"].to_numpy(dtype=np.int64), 0) / MONEY_SCALE
    frame = pd.DataFrame(
        {"invoice_type": np.asarray(types, dtype=object), "amount": amount, "abs_amount": np.abs(amount)}
    ).join(_standardisation(inv))
    if posted is not None:
        frame["posted"] = np.asarray(posted, dtype=float)
    agg = {
        "invoices": ("amount", "size"),
        "amount": ("amount", "sum"),
        "abs_amount": ("abs_amount", "sum"),
        "with_cpr": ("with_cpr", "mean"),
        "with_period": ("with_period", "mean"),
        "single_citizen": ("single_citizen", "mean"),
    }
    if posted is not None:
        agg["posted_share"] = ("posted", "mean")
    table = frame.groupby("invoice_type", sort=False).agg(**agg)
    table.insert(1, "share", table["invoices"] / max(len(frame), 1))
    total_abs = frame["abs_amount"].sum()
    table.insert(3, "share_of_amount", table["abs_amount"] / total_abs if total_abs else 0.0)
    table = table.drop(columns="abs_amount").sort_values("invoices", ascending=False, kind="stable")
    table["amount"] = table["amount"].round(2)
    return table.reset_index()


def supplier_table(invoices: pd.DataFrame, types, posted=None) -> pd.DataFrame:
    """Per supplier: ``invoices``, the shares ``with_cpr``, ``with_period`` and
    ``single_citizen``, the ``score`` (their mean, 0-100: how standardised the
    supplier's invoices are), ``non_standard`` (invoices lacking a CPR
    number, a period or a single citizen) and the ``main_type``; sorted by
    ``non_standard``: the suppliers at the top gain most from the contact
    template. ``posted_share`` when ``posted`` is given."""
    inv = prepare_invoices(invoices)
    frame = pd.DataFrame(
        {
            "supplier_cvr": inv["supplier_cvr"].to_numpy(dtype=object),
            # a sole trader or foster family may be named by CPR number: masked like any other
            "supplier_name": mask_cprs_in(inv["supplier_name"].astype(str)).to_numpy(dtype=object),
            "invoice_type": np.asarray(types, dtype=object),
        }
    ).join(_standardisation(inv))
    frame["standard"] = frame["with_cpr"] & frame["with_period"] & frame["single_citizen"]
    if posted is not None:
        frame["posted"] = np.asarray(posted, dtype=float)
    g = frame.groupby("supplier_cvr", sort=False)
    agg = {
        "supplier_name": ("supplier_name", lambda s: s.mode().iat[0] if len(s.mode()) else ""),
        "invoices": ("standard", "size"),
        "with_cpr": ("with_cpr", "mean"),
        "with_period": ("with_period", "mean"),
        "single_citizen": ("single_citizen", "mean"),
        "non_standard": ("standard", lambda s: int((~s).sum())),
        "main_type": ("invoice_type", lambda s: s.value_counts().index[0]),
    }
    if posted is not None:
        agg["posted_share"] = ("posted", "mean")
    table = g.agg(**agg)
    table.insert(5, "score", (100 * table[["with_cpr", "with_period", "single_citizen"]].mean(axis=1)).round(1))
    table = table.sort_values(["non_standard", "invoices"], ascending=False, kind="stable")
    return table.reset_index()


# ---------------------------------------------------------------- figures


def type_figure(table: pd.DataFrame):
    """Bars per type: share of invoices and of the amount, and the share the
    robot posted when known."""
    from matplotlib.figure import Figure

    t = table.iloc[::-1]
    labels = [_type_label(v) for v in t["invoice_type"]]
    panels = [("share", "Andel af fakturaer"), ("share_of_amount", "Andel af beløb")]
    if "posted_share" in t:
        panels.append(("posted_share", "Bogført af robotten"))
    fig = Figure(figsize=(4 + 3 * len(panels), 0.45 * len(t) + 1.6))
    axes = fig.subplots(1, len(panels), sharey=True)
    for ax, (col, title) in zip(np.atleast_1d(axes), panels, strict=True):
        values = t[col].fillna(0).to_numpy() * 100
        ax.barh(labels, values, color="#2b6c9e" if col != "posted_share" else "#3a8d5c")
        ax.set_title(title)
        ax.set_xlabel("%")
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:.0f}", va="center", fontsize=8)
        ax.set_xlim(0, max(values.max() * 1.2, 10))
    fig.suptitle("Fakturatyper")
    fig.tight_layout()
    return fig


def standardisation_figure(table: pd.DataFrame):
    """Per type, the shares with a CPR number, with a period and with a single
    citizen: the three things the robot needs."""
    from matplotlib.figure import Figure

    t = table.iloc[::-1]
    labels = [_type_label(v) for v in t["invoice_type"]]
    y = np.arange(len(t))
    fig = Figure(figsize=(8, 0.5 * len(t) + 1.6))
    ax = fig.subplots()
    for j, (col, name) in enumerate(
        [("with_cpr", "Med CPR-nummer"), ("with_period", "Med periode"), ("single_citizen", "Én borger")]
    ):
        ax.barh(y + (1 - j) * 0.27, t[col].to_numpy() * 100, height=0.27, label=name)
    ax.set_yticks(y, labels)
    ax.set_xlabel("% af fakturaerne")
    ax.set_xlim(0, 100)
    ax.set_title("Hvor standardiserede er fakturaerne?")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def supplier_figure(suppliers: pd.DataFrame, top: int = 15):
    """The suppliers with most non-standard invoices, with their score."""
    from matplotlib.figure import Figure

    t = suppliers[suppliers["non_standard"] > 0].head(top).iloc[::-1]  # a supplier with none needs no template
    names = [f"{n or c} ({c})" if n else str(c) for n, c in zip(t["supplier_name"], t["supplier_cvr"], strict=True)]
    fig = Figure(figsize=(9, 0.4 * len(t) + 1.6))
    ax = fig.subplots()
    ax.barh(names, t["non_standard"].to_numpy(), color="#c0504d")
    for y, (v, s) in enumerate(zip(t["non_standard"], t["score"], strict=True)):
        ax.text(v, y, f" score {s:.0f}", va="center", fontsize=8)
    ax.set_xlabel("Fakturaer uden CPR-nummer, periode eller med flere borgere")
    ax.set_title(f"De {len(t)} leverandører, der har mest gavn af kontaktskabelonen")
    ax.set_xlim(0, max(float(t["non_standard"].max()) * 1.25, 1) if len(t) else 1)
    fig.tight_layout()
    return fig


def confusion_figure(y_true, y_pred, title: str = "Fakturatyper: sand mod forudsagt"):
    """The confusion matrix, each row as shares of the true type."""
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = [t for t in TYPES if t in set(y_true) | set(y_pred)]
    labels += sorted((set(y_true) | set(y_pred)) - set(labels))
    fig = Figure(figsize=(9, 8))
    ax = fig.subplots()
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        display_labels=[_type_label(v) for v in labels],
        normalize="true",
        values_format=".2f",
        cmap="Blues",
        ax=ax,
        colorbar=False,
        xticks_rotation=45,
    )
    for label in ax.get_xticklabels():
        label.set(rotation=40, ha="right", rotation_mode="anchor")
    ax.set_xlabel("Forudsagt type")
    ax.set_ylabel("Sand type")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _type_label(value: str) -> str:
    return TYPE_NAMES_DA.get(value, value)


# ---------------------------------------------------------------- labels and decisions


def _label_columns() -> tuple[Column, ...]:
    from dataclasses import replace

    from invoicekit.columns import INVOICE_COLUMNS

    invoice = {c.name: c for c in INVOICE_COLUMNS}
    return (
        replace(invoice["invoice_id"], required=False),  # the same Danish names as in the extracts
        Column("invoice_type", False, ("Type", "Fakturatype")),
        replace(invoice["supplier_cvr"], required=False),
        Column("row", False, ("Række",)),
        Column("month", False, ("Måned",)),
        Column("file", False, ("source", "Fil")),
    )


def read_labels(path: str | Path) -> pd.DataFrame:
    """A labelled sample: ``invoice_id`` and ``invoice_type``, and to tell
    invoices apart that share a number, ``supplier_cvr``, or ``row`` with
    ``month`` or ``file`` (as in a world's ``truth.csv``). CSV or xlsx."""
    from invoicekit.extracts import canonical_columns, read_raw, source_column

    raw = read_raw(path).frame
    given = tuple(c for c in _label_columns() if source_column(raw, c) is not None)
    out = canonical_columns(raw, given, path).apply(lambda col: col.astype(str).str.strip())
    for need in ("invoice_type",):
        if need not in out:
            raise InputError(path, need, "missing; expected the columns invoice_id and invoice_type")
    if "invoice_id" not in out and "row" not in out:
        raise InputError(path, "invoice_id", "missing; expected the columns invoice_id and invoice_type")
    out = out[out["invoice_type"] != ""].reset_index(drop=True)
    if not len(out):
        raise InputError(path, "invoice_type", "no row has a type; expected a labelled sample")
    return out


@dataclass
class LabelMatch:
    """Labels matched to invoices: ``labels`` (one entry per invoice, None
    where unlabelled), and how many labels matched no invoice or several."""

    labels: np.ndarray
    unmatched: int = 0
    ambiguous: int = 0


def match_labels(invoices: pd.DataFrame, labels: pd.DataFrame) -> LabelMatch:
    """Each label to its invoice: by ``row`` with ``month`` or ``file`` when
    the labels have them, else by supplier and number, else by number alone;
    a label whose key fits several invoices (a resend under the same number)
    is left out rather than guessed."""
    inv = invoices
    n = len(inv)
    out = np.full(n, None, dtype=object)
    file = inv["file"].astype(str).to_numpy() if "file" in inv else np.full(n, "", dtype=object)
    month = np.array([_month_of(f) for f in file], dtype=object)
    rows = inv["row"].astype(str).to_numpy()
    if "row" in labels and ("month" in labels or "file" in labels or len(set(file)) <= 1):
        if "month" in labels:
            inv_key = pd.Series(list(zip(month, rows, strict=True)))
            lab_key = pd.Series(list(zip(labels["month"], labels["row"], strict=True)))
        elif "file" in labels:
            inv_key = pd.Series(list(zip([Path(f).name for f in file], rows, strict=True)))
            lab_key = pd.Series(list(zip([Path(f).name for f in labels["file"]], labels["row"], strict=True)))
        else:
            inv_key, lab_key = pd.Series(rows), labels["row"]
    elif "supplier_cvr" in labels:
        from invoicekit.identifiers import cvr_column

        cvr = cvr_column(labels["supplier_cvr"]).where(lambda s: s != "", labels["supplier_cvr"])
        inv_key = pd.Series(list(zip(inv["supplier_cvr"], inv["invoice_id"], strict=True)))
        lab_key = pd.Series(list(zip(cvr, labels["invoice_id"], strict=True)))
    else:
        inv_key, lab_key = inv["invoice_id"].reset_index(drop=True), labels["invoice_id"]
    counts = inv_key.value_counts()
    position = pd.Series(np.arange(n), index=pd.Index(inv_key))
    unmatched = ambiguous = 0
    seen: dict[int, str] = {}
    conflicted: set[int] = set()
    for key, label in zip(lab_key, labels["invoice_type"], strict=True):
        c = counts.get(key, 0)
        if c == 0:
            unmatched += 1
            continue
        if c > 1:
            ambiguous += 1
            continue
        i = int(position[key]) if np.isscalar(position[key]) else int(position[key].iat[0])
        if i in seen and seen[i] != label:
            conflicted.add(i)
        seen[i] = label
    for i, label in seen.items():
        if i not in conflicted:
            out[i] = label
    return LabelMatch(out, unmatched, ambiguous + len(conflicted))


def _month_of(path: str) -> str:
    m = re.search(r"(\d{4}-\d{2})", Path(path).name)
    return m.group(1) if m else ""


def posted_flags(invoices: pd.DataFrame, decision_paths: Sequence[str | Path]) -> np.ndarray:
    """Whether the robot posted each invoice (1.0/0.0; NaN where no decision
    is found). With one decisions.csv per extract, in the same order and of the
    same length, rows are matched one to one; otherwise each invoice takes the
    first decision for its supplier and number."""
    from invoicekit.evaluate import read_decisions

    decisions = [read_decisions([p]) for p in decision_paths]
    files = list(dict.fromkeys(invoices["file"])) if "file" in invoices else [None]
    sizes = [int((invoices["file"] == f).sum()) if f is not None else len(invoices) for f in files]
    if len(decisions) == len(files) and [len(d) for d in decisions] == sizes:
        stacked = pd.concat(decisions, ignore_index=True)
        same = (stacked["invoice_id"].astype(str).to_numpy() == invoices["invoice_id"].astype(str).to_numpy()) & (
            stacked["supplier_cvr"].astype(str).to_numpy() == invoices["supplier_cvr"].astype(str).to_numpy()
        )
        if same.all():  # the decisions are the extracts', row for row
            return (stacked["status"] == "posted").to_numpy(dtype=float)
        i = int(np.flatnonzero(~same)[0])
        bounds = np.cumsum([0, *sizes])
        k = int(np.searchsorted(bounds, i, side="right") - 1)
        raise InputError(
            decision_paths[k],
            f"row {i - bounds[k] + 1}",
            f"decides invoice {stacked['invoice_id'].iat[i]!r} but that row of {files[k]} is invoice "
            f"{invoices['invoice_id'].iat[i]!r}; expected one decisions.csv per extract, in the same order",
        )
    d = pd.concat(decisions, ignore_index=True).drop_duplicates(["supplier_cvr", "invoice_id"])
    key = pd.MultiIndex.from_arrays([d["supplier_cvr"], d["invoice_id"]])
    posted = pd.Series((d["status"] == "posted").astype(float).to_numpy(), index=key)
    look = pd.MultiIndex.from_arrays([invoices["supplier_cvr"].astype(str), invoices["invoice_id"].astype(str)])
    return posted.reindex(look).to_numpy(dtype=float)


# ---------------------------------------------------------------- the whole step


@dataclass
class TypeMapping:
    """What :func:`map_types` finds: ``types`` (one row per invoice),
    ``table`` (per type), ``suppliers`` (per supplier), and either ``quality``
    (cross-validated on the labelled sample) or ``clusters`` (top terms)."""

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

    def text(self) -> str:
        lines = [f"{len(self.types)} invoices, {self.table['invoice_type'].nunique()} types ({self.mode})."]
        lines += self.notes
        if self.macro_f1 is not None:
            lines.append(f"Macro F1, cross-validated on the labelled sample: {self.macro_f1:.3f}")
        show = self.table.copy()
        show["invoice_type"] = [_type_label(v) for v in show["invoice_type"]]
        cols = ["invoice_type", "invoices", "share", "share_of_amount", "with_cpr", "with_period", "single_citizen"]
        if "posted_share" in show:
            cols.append("posted_share")
        shown = show[cols].copy()
        for c in cols[2:]:
            shown[c] = (100 * shown[c]).map(lambda v: "" if pd.isna(v) else f"{v:.0f} %")
        lines.append(shown.to_string(index=False))
        top = self.suppliers[self.suppliers["non_standard"] > 0].head(5)
        lines.append("Suppliers whose invoices most need the contact template:")
        for r in top.itertuples(index=False):
            lines.append(
                f"  {r.supplier_cvr} {r.supplier_name}: {r.non_standard} of {r.invoices} non-standard (score {r.score:.0f})"
            )
        return "\n".join(lines)

    def write(self, out: str | Path) -> dict[str, Path]:
        from invoicekit.workbook import write_workbook

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
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
            sheets["Kvalitet"] = self.quality
        if self.clusters is not None:
            paths["clusters"] = out / "clusters.csv"
            safe_frame(self.clusters).to_csv(paths["clusters"], index=False)
            sheets["Grupper"] = self.clusters
        sheets["Fakturaer"] = self.types
        pct = [DANISH[c] for c in PERCENT_COLUMNS]
        write_workbook(paths["xlsx"], sheets, percent={"Typer": dict.fromkeys(pct), "Leverandører": dict.fromkeys(pct)})
        for name, fig in self.figures().items():
            paths[f"{name}_png"] = out / f"{name}.png"
            fig.savefig(paths[f"{name}_png"], dpi=110)
        return paths


DANISH = {
    "invoice_type": "Type",
    "invoices": "Fakturaer",
    "share": "Andel af fakturaer",
    "amount": "Beløb (kr.)",
    "share_of_amount": "Andel af beløb",
    "with_cpr": "Med CPR-nummer",
    "with_period": "Med periode",
    "single_citizen": "Én borger",
    "posted_share": "Bogført af robotten",
    "supplier_cvr": "CVR-nr",
    "supplier_name": "Leverandør",
    "score": "Standardiseringsscore (0-100)",
    "non_standard": "Ikke-standardiserede fakturaer",
    "main_type": "Hyppigste type",
}
PERCENT_COLUMNS = ("share", "share_of_amount", "with_cpr", "with_period", "single_citizen", "posted_share")


def danish_headers(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    for col in ("invoice_type", "main_type"):
        if col in t:
            t[col] = [_type_label(v) for v in t[col]]
    return t.rename(columns=DANISH)


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
    from sklearn.metrics import classification_report, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    invoices = read_extracts(invoice_paths)
    where = ", ".join(str(p) for p in invoice_paths)
    if len(invoices) == 0:
        raise InputError(where, None, "holds no invoices; expected an invoice extract with at least one row")
    if labels is None and len(invoices) < 2:
        raise InputError(where, None, "holds a single invoice; at least two are needed to find groups")
    grant_table = None
    if grants:
        from invoicekit.extracts import read_grants

        grant_table, _ = read_grants(grants)
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
        match = match_labels(invoices, label_frame)
        known = np.array([v is not None for v in match.labels])
        if match.unmatched or match.ambiguous:
            notes.append(
                f"{match.unmatched} labels matched no invoice and {match.ambiguous} matched several "
                "(give supplier_cvr, or month/file and row); they were left out."
            )
        y = match.labels[known].astype(str)
        if len(np.unique(y)) < 2:
            raise InputError(
                labels if not isinstance(labels, pd.DataFrame) else None,
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
        per_group = (
            features.groupby(model.labels_)
            .agg(
                credit_share=("credit", "mean"),
                several_cpr_share=("several_cpr", "mean"),
                median_amount=("amount_dkk", "median"),
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
    table = type_table(invoices, types, posted)
    suppliers = supplier_table(invoices, types, posted)
    return TypeMapping(ids, table, suppliers, mode, quality, macro, clusters, cv_true, cv_pred, notes)
