"""The estimators of the type mapping, with scikit-learn's API, on the
features of :mod:`invoicekit.types.features`: the term filter
(:class:`SharedTermsTfidf`), the classifier that learns types from a labelled
sample (:class:`InvoiceTypeClassifier`) and the clustering that groups an
unlabelled extract (:class:`InvoiceClusters`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, normalize
from sklearn.utils.validation import check_is_fitted

from invoicekit.types.features import FLAGS, NUMERIC, TERM_STOP_WORDS, invoice_features
from invoicekit.vocabulary import RATE_UNIT_ORDER

# ---------------------------------------------------------------- transformers


TOKEN = r"(?u)\b\w\w+\b"
#: the one column, all zeros, that :class:`SharedTermsTfidf` gives when no term
#: is shared by enough suppliers: a block of no columns made scikit-learn's
#: ColumnTransformer refuse to stack a sparse result ("all columns should be a
#: numeric"), once the sample was large enough for the result to be sparse
NO_SHARED_TERM = "(intet fælles ord)"


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
        text, supplier, citizen = self._columns(X)
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
            shared = suppliers_per_term >= self.min_suppliers
            if citizen is not None:
                # a word seen beside one citizen alone, wherever a citizen is named, is the citizen's name: three
                # suppliers writing "Borger: Yusuf Hassan" named a group after him (an attack on 0.9.37)
                shared &= _beside_several_citizens(occurs, citizen)
            keep = np.flatnonzero(shared)
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
        text, _, _ = self._columns(X)
        if self.tfidf_ is None:  # no term shared: one column of zeros (see NO_SHARED_TERM)
            return sparse.csr_matrix((len(text), 1))
        return self.tfidf_.transform(text)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        return np.asarray(self.vocabulary_ or [NO_SHARED_TERM], dtype=object)

    @staticmethod
    def _columns(X) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        X = pd.DataFrame(X)
        citizen = X.iloc[:, 2].to_numpy() if X.shape[1] > 2 else None
        return X.iloc[:, 0].fillna("").astype(str).to_numpy(), X.iloc[:, 1].to_numpy(), citizen


def _beside_several_citizens(occurs: sparse.spmatrix, citizen: np.ndarray) -> np.ndarray:
    """Per term (a column of ``occurs``, invoices by terms): whether it is not
    seen beside exactly one citizen (``citizen`` 0 or blank: none named)."""
    citizen = pd.Series(np.asarray(citizen, dtype=object))
    named = (citizen.notna() & ~citizen.astype(str).isin(["0", ""])).to_numpy()  # 0 or blank: none
    codes, _ = pd.factorize(citizen[named].to_numpy())
    rows = np.flatnonzero(named)
    if len(rows) == 0:
        return np.ones(occurs.shape[1], dtype=bool)
    by_citizen = sparse.csr_matrix((np.ones(len(rows)), (codes, rows)), shape=(codes.max() + 1, occurs.shape[0]))
    citizens_per_term = np.asarray(((by_citizen @ occurs) > 0).sum(axis=0)).ravel()
    # seen beside one citizen alone is a name, whatever invoices naming no one say too: one invoice of his
    # without its CPR number named a group after him again (a review); a term of no citizen's invoices is kept
    return citizens_per_term != 1


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
        # a feature frame made before 0.9.38, or by hand, has no citizens: every term is then a kind's (a review)
        return X if "citizen_key" in X else X.assign(citizen_key=0)
    return invoice_features(X)


def _columns_transformer(min_suppliers: int, text_weight: float = 1.0) -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("words", SharedTermsTfidf(min_suppliers=min_suppliers), ["text", "supplier_key", "citizen_key"]),
            (
                "supplier",
                SharedTermsTfidf(min_suppliers=min_suppliers, ngram_range=(1, 1)),
                ["supplier", "supplier_key"],
            ),
            ("bands", FunctionTransformer(_bands, feature_names_out=_band_names), list(NUMERIC)),
            ("unit", OneHotEncoder(categories=[["", *RATE_UNIT_ORDER]], handle_unknown="ignore"), ["grant_unit"]),
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
                features[["text", "supplier_key", "citizen_key"]]
            )
        words = self.words_.transform(features[["text", "supplier_key", "citizen_key"]])
        flags = features[["credit", "several_cpr", "no_cpr", "same_number_before", "same_content_before"]]
        bands = _bands(features[list(NUMERIC)])
        weights = np.array([2.0, 0.8, 0.3, 0.8, 0.8])
        dense = np.hstack([flags.to_numpy(dtype=np.float64) * weights, bands * 0.3])
        return normalize(sparse.hstack([words, sparse.csr_matrix(dense)]).tocsr())

    def fit(self, X, y=None):
        features = _features_of(X)
        M = self._matrix(features, fit=True)
        n = M.shape[0]
        if n < 2:
            raise ValueError("at least two invoices are needed to find groups")
        # more groups than distinct invoices would leave groups empty (counted at any size:
        # 5,100 copies of one invoice made 4 groups, 3 of them empty)
        limit = _distinct_rows(M)
        if self.n_clusters is not None and (
            isinstance(self.n_clusters, bool)
            or not isinstance(self.n_clusters, int | np.integer)
            or self.n_clusters < 2
        ):
            raise ValueError(
                f"n_clusters: expected a whole number of 2 or more, or None to choose; got {self.n_clusters!r}"
            )
        if self.n_clusters is not None:
            ks = [min(self.n_clusters, limit)]  # n_clusters is 2 or more, limit 1 or more
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
