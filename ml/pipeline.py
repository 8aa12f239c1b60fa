"""Sentiment classifier for movie reviews: hashed word n-grams + NB-weighted logistic regression.

Pure Python / scikit-learn; no Django imports, so it can be trained, pickled and
tested on its own. Everything a pickled model references lives at module level
(``ml.pipeline.*``) so ``joblib.load`` can import it back by name.
"""

import warnings
from itertools import repeat

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import FeatureHasher

# FeatureHasher's own Cython hashing routine, private: called directly it gives the very
# columns FeatureHasher does (tests/ml/test_pipeline.py compares them) without the public
# transform's per-call checks. Those checks cost about 0.5 ms of CPU per form submission
# under gunicorn and took bench/load.py on PostgreSQL below its POST target (5x the
# tutorial's throughput): 4.76 and 4.93 with the public path, 5.87 with this one, in the
# same hour (bench/README.md). `explain` uses it too, for the columns of a text's features
# in one call (FeatureHasher.transform, one row per feature, was half of explaining a
# review: 4 ms against 1.6 ms; bench/pages.py's review pages).
from sklearn.feature_extraction._hashing_fast import transform as hash_features
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from ml import features as ml_features
from ml.labels import POSITIVE_THRESHOLD

# 2**23 hashed columns for the ~5.3M distinct 1-3grams of the bundled data: in 5-fold
# cross-validation 2**21 columns lost 0.4 points of IMDB accuracy to collisions, 2**23 lost
# none that 2**24 won back. Coefficients are float32 (32 MB), like the features they meet.
N_FEATURES = 2**23
MAX_NGRAM = ml_features.MAX_NGRAM

# Words keep inner apostrophes so negations ("don't", "isn't") survive as one token; "!" and
# "?" are kept because they carry sentiment in reviews; "<br />" tags are markup, not words.
TOKEN = ml_features.WORD
tokenize = ml_features.plain_words


def word_ngrams(text: str) -> list[str]:
    """All 1..MAX_NGRAM word n-grams of ``text`` (the analyzer fed to the hasher).

    Hand-rolled with zip/map because sklearn's generic n-gram loop is the
    single biggest cost of scoring a review.
    """
    return ml_features.word_ngrams(tokenize(text))


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression on naive-Bayes log-count-ratio scaled features (NBSVM/NB-LR).

    Wang & Manning (2012): scaling each feature by how much more often it
    occurs in positive than in negative documents lets a linear model start
    from the NB evidence and only learn corrections.  Because the scaling is a
    fixed per-column factor we fold it into ``coef_`` after fitting, so
    prediction is a single sparse dot product with no extra transform step.
    """

    def __init__(
        self,
        *,
        C: float = 1000.0,
        alpha: float = 1.0,
        tol: float = 1e-3,
        max_iter: int = 100,
        calibration_folds: int = 3,
        seed: int = 0,
    ):
        self.C = C
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter
        self.calibration_folds = calibration_folds
        self.seed = seed

    def fit(self, X: sp.csr_matrix, y) -> "NBLogisticRegression":
        X = sp.csr_matrix(X)
        y = np.asarray(y).astype(int)
        coef, intercept = self._fit_linear(X, y)
        if self.calibration_folds >= 2:
            # Out-of-fold log-odds show the raw model is under-confident (its "0.85" is
            # right 95% of the time): Platt scaling fits log-odds' = a * log-odds + b on
            # them. Being linear, it folds into coef_ and intercept_: calibration costs
            # nothing when predicting, and explanations stay exact.
            scale, shift = platt_scaling(self.out_of_fold_log_odds(X, y), y)
            coef, intercept = coef * scale, intercept * scale + shift
        self.coef_ = coef.reshape(1, -1).astype(np.float32)
        self.intercept_ = np.array([intercept])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_linear(self, X: sp.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, float]:
        """NB-scaled logistic regression; returns the unscaled-feature coef and intercept."""
        log_ratio = self.log_count_ratio(X, y)
        scaled = X @ sp.diags(log_ratio)
        # liblinear's dual solver is the fastest here: far fewer samples than
        # hashed columns.
        model = LogisticRegression(
            C=self.C,
            solver="liblinear",
            dual=True,
            tol=self.tol,
            max_iter=self.max_iter,
            random_state=self.seed,
        )
        # Stopping after max_iter passes is deliberate: in 5-fold cross-validation 100
        # passes scored the same as 1,000 (0.9202 IMDB) in a third of the time, so the
        # "failed to converge" warning would only alarm whoever trains a model.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(scaled, y)
        return model.coef_.ravel() * log_ratio, float(model.intercept_[0])

    def out_of_fold_log_odds(self, X: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
        """Each text's raw log-odds from a model fitted without it (calibration_folds)."""
        out_of_fold = np.empty(len(y))
        folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.seed)
        for train, test in folds.split(np.zeros(len(y)), y):
            fold_coef, fold_intercept = self._fit_linear(X[train], y[train])
            out_of_fold[test] = X[test] @ fold_coef + fold_intercept
        return out_of_fold

    def log_count_ratio(self, X: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
        """Each column's NB log-count ratio: how much more often it is present in positive
        texts than in negative ones."""
        # Ratios use presence (binarised) counts, as in the paper; alpha
        # smooths features seen in only one class.
        present = X.copy()
        present.data[:] = 1.0
        positive = np.asarray(present[y == 1].sum(axis=0)).ravel()
        negative = np.asarray(present[y == 0].sum(axis=0)).ravel()
        return smoothed_log_ratio(positive, negative, alpha=self.alpha)

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class (skips sklearn validation: it dominated latency)."""
        return np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]

    def contribution_scale(self, X) -> np.ndarray:
        """What each row's feature contributions (value * coefficient) are multiplied by in
        its log-odds: 1 here, as calibration is folded into the coefficients."""
        return np.ones(X.shape[0])

    def log_odds_baseline(self, X) -> np.ndarray:
        """Each row's log-odds before any feature contributes: the row's log-odds are this
        plus the sum of its scaled feature contributions."""
        return np.full(X.shape[0], self.intercept_[0])

    @staticmethod
    def probability_from_log_odds(log_odds: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-log_odds))

    def predict_proba(self, X) -> np.ndarray:
        """Columns: P(negative), P(positive)."""
        positive = self.probability_from_log_odds(self.decision_function(X))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X) -> np.ndarray:
        """1 (positive) where P(positive) reaches the threshold, else 0."""
        return (self.predict_proba(X)[:, 1] >= POSITIVE_THRESHOLD).astype(int)


class LengthCalibratedNBLR(NBLogisticRegression):
    """NB-LR whose Platt scaling depends on the text's length.

    One scaling for all texts left one-word reviews "99% sure": a short text's few features
    each carry the weight L2 normalisation gives them (1 for a lone feature, against
    1/sqrt(600) in an IMDB review), so its log-odds reach extremes a longer text's never
    do. Here the calibrated log-odds are (a + c / sqrt(k)) * z + b, for z the raw log-odds
    and k the text's number of distinct features, with a, b and c fitted on out-of-fold
    log-odds: a scaling that moves smoothly with length, so adding a word never jumps from
    one calibration to another.
    """

    def fit(self, X, y) -> "LengthCalibratedNBLR":
        X = sp.csr_matrix(X)
        y = np.asarray(y).astype(int)
        coef, intercept = self._fit_linear(X, y)
        out_of_fold = self.out_of_fold_log_odds(X, y)
        shrink = self.length_shrink(X)
        platt = LogisticRegression(C=1e4).fit(
            np.column_stack([out_of_fold, out_of_fold * shrink]), y
        )
        self.coef_ = coef.reshape(1, -1).astype(np.float32)
        self.intercept_ = np.array([intercept])
        self.scale_, self.length_scale_ = (float(value) for value in platt.coef_[0])
        self.shift_ = float(platt.intercept_[0])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def log_count_ratio(self, X: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
        """As NB-LR's, where a column present with a minus sign (a word in a negation's
        scope, ml.features) counts as present in a text of the other sentiment: "not good"
        in a negative review is evidence that "good" is positive."""
        signs = X.copy()
        np.sign(signs.data, out=signs.data)
        positive_texts, negative_texts = signs[y == 1], signs[y == 0]

        def present(rows) -> np.ndarray:
            return np.asarray(rows.maximum(0).sum(axis=0)).ravel()

        positive = present(positive_texts) + present(-negative_texts)
        negative = present(negative_texts) + present(-positive_texts)
        return smoothed_log_ratio(positive, negative, alpha=self.alpha)

    @staticmethod
    def length_shrink(X) -> np.ndarray:
        """1 / sqrt(k) for each row's number k of distinct features (1 for an empty row)."""
        sizes = np.diff(sp.csr_matrix(X).indptr)
        return 1.0 / np.sqrt(np.maximum(sizes, 1))

    def contribution_scale(self, X) -> np.ndarray:
        """What each row's feature contributions are multiplied by in its log-odds."""
        # Never below zero: more evidence for positive never means less.
        return np.maximum(self.scale_ + self.length_scale_ * self.length_shrink(X), 1e-3)

    def log_odds_baseline(self, X) -> np.ndarray:
        return self.intercept_[0] * self.contribution_scale(X) + self.shift_

    def decision_function(self, X) -> np.ndarray:
        """Calibrated log-odds of the positive class."""
        raw = np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]
        return raw * self.contribution_scale(X) + self.shift_


def smoothed_log_ratio(positive: np.ndarray, negative: np.ndarray, *, alpha: float) -> np.ndarray:
    """log(p / |p|_1) - log(q / |q|_1) for presence counts smoothed by alpha (NBSVM's r)."""
    positive, negative = positive + alpha, negative + alpha
    return np.log(positive / positive.sum()) - np.log(negative / negative.sum())


def platt_scaling(log_odds: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(a, b) of the Platt scaling a * log_odds + b fitted to `labels`."""
    platt = LogisticRegression(C=1e4).fit(log_odds.reshape(-1, 1), labels)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


class ReviewVectorizer(HashingVectorizer):
    """HashingVectorizer with a lean ``transform`` for binary, L2-normalised output.

    Output is identical to ``HashingVectorizer.transform``: each row holds ``1/sqrt(k)`` in
    the k distinct columns its n-grams hash to. The lean path hashes each distinct n-gram
    once with the hasher's own Cython routine and builds that row directly, skipping the
    generic checks, duplicate summing and ``normalize`` call that were most of the time to
    score a single review. Other settings fall back to the parent.
    """

    @property
    def is_lean(self) -> bool:
        return self.binary and self.norm == "l2" and np.issubdtype(self.dtype, np.floating)

    def row_columns(self, ngrams) -> np.ndarray:
        """The sorted, distinct hashed columns of ``ngrams`` (one document's analyzer output)."""
        columns, _, _ = hash_features(
            [zip(set(ngrams), repeat(1))], self.n_features, self.dtype, self.alternate_sign, 0
        )
        columns.sort()
        # Distinct n-grams can still share a column; a binary row counts that column once.
        distinct = np.empty(len(columns), dtype=bool)
        distinct[:1] = True
        np.not_equal(columns[1:], columns[:-1], out=distinct[1:])
        return columns[distinct]

    def rows(self, X) -> list[np.ndarray]:
        """Each document's non-zero columns (see ``row_columns``)."""
        analyzer = self.build_analyzer()
        return [self.row_columns(analyzer(doc)) for doc in X]

    def transform(self, X) -> sp.csr_matrix:
        if isinstance(X, str) or not self.is_lean:
            return super().transform(X)
        rows = self.rows(X)
        sizes = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        # int32 positions, as scipy chooses, unless the non-zeros outgrow them.
        index_dtype = np.int32 if sizes.sum() <= np.iinfo(np.int32).max else np.int64
        indptr = np.zeros(len(rows) + 1, dtype=index_dtype)
        np.cumsum(sizes, out=indptr[1:])
        indices = np.concatenate([np.empty(0, np.int32), *rows]).astype(index_dtype, copy=False)
        data = np.repeat(row_values(sizes, self.dtype), sizes)
        return sp.csr_matrix((data, indices, indptr), shape=(len(rows), self.n_features))


def row_values(sizes: np.ndarray, dtype) -> np.ndarray:
    """The value of every non-zero in a binary, L2-normalised row with ``sizes`` non-zeros."""
    return (1.0 / np.sqrt(np.maximum(sizes, 1))).astype(dtype)


class ReviewHasher(TransformerMixin, BaseEstimator):
    """Texts as rows of hashed features (ml.features.weighted_features), signs kept.

    A feature present in a text gives its column 1, a word in a negation's scope gives its
    own column -1 (so the model reads "not good" as the opposite of "good" to begin with,
    and corrects that through the negated feature's column), and each row is L2-normalised,
    as in the NBSVM recipe. Stateless, like HashingVectorizer: fitting learns nothing.
    """

    def __init__(self, *, n_features: int = N_FEATURES):
        self.n_features = n_features

    def fit(self, X, y=None) -> "ReviewHasher":
        return self

    def hasher(self, input_type: str = "pair") -> FeatureHasher:
        return FeatureHasher(
            n_features=self.n_features,
            input_type=input_type,
            alternate_sign=False,
            dtype=np.float32,
        )

    def transform(self, X) -> sp.csr_matrix:
        if isinstance(X, str):
            raise ValueError("ReviewHasher.transform takes a list of texts, not one text")
        # The hasher's own routine (see hash_features above): FeatureHasher.transform's
        # checks per call would cost the form's POST target again.
        indices, indptr, values = hash_features(
            (ml_features.weighted_features(text) for text in X),
            self.n_features,
            np.float32,
            False,
            0,
        )
        rows = sp.csr_matrix((values, indices, indptr), shape=(len(indptr) - 1, self.n_features))
        rows.sum_duplicates()
        # Presence, not counts: a feature met twice weighs as once; a word both plain and
        # negated in one text cancels out.
        np.clip(rows.data, -1.0, 1.0, out=rows.data)
        rows.eliminate_zeros()
        # L2-normalise each row (as sklearn.preprocessing.normalize, without its checks).
        row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=rows.data**2, minlength=rows.shape[0]))
        rows.data /= norms[row_of].astype(np.float32)
        return rows

    def feature_phrases(self, text: str) -> dict[str, str]:
        """Each feature of ``text`` and the phrase of the text it stands for."""
        return ml_features.feature_phrases(text)


WORD_NGRAMS = "word-ngrams"
NEGATION_CONTRAST = "negation-contrast"
# The default stays word n-grams until negation-contrast meets the accuracy and form-speed
# targets too (bench/README.md: it wins the behavioural suite, loses IMDB accuracy and
# POST throughput).
DEFAULT_PIPELINE = WORD_NGRAMS


def build_pipeline(*, seed: int = 0, kind: str = DEFAULT_PIPELINE) -> Pipeline:
    """Unfitted text -> P(positive) pipeline; fit with ``(texts, labels)`` where labels are 0/1.

    ``kind`` is WORD_NGRAMS (hashed word 1-3-grams, NB-LR with one Platt scaling) or
    NEGATION_CONTRAST (ml.features: negation and contrast marked, character 3-grams of
    short reviews, Platt scaling that moves with length).
    """
    if kind == NEGATION_CONTRAST:
        return Pipeline(
            [
                ("features", ReviewHasher(n_features=N_FEATURES)),
                ("classifier", LengthCalibratedNBLR(C=1000.0, seed=seed)),
            ]
        )
    if kind != WORD_NGRAMS:
        raise ValueError(f"unknown pipeline {kind!r}: {WORD_NGRAMS} or {NEGATION_CONTRAST}")
    return Pipeline(
        [
            (
                "features",
                # Stateless hashing: no vocabulary dict to pickle or load, and
                # fitting needs no pass over the data.  Binary presence + L2
                # norm is the NBSVM recipe and puts one-line Rotten Tomatoes
                # snippets and long IMDB reviews on one scale.
                ReviewVectorizer(
                    analyzer=word_ngrams,
                    n_features=N_FEATURES,
                    alternate_sign=False,
                    binary=True,
                    norm="l2",
                    dtype=np.float32,
                ),
            ),
            # C is large because each L2-normalised feature is small (~1/sqrt(600) for
            # an IMDB review). In 5-fold cross-validation IMDB accuracy rose with it:
            # 0.9156 at C=10, 0.9186 at 30, 0.9196 at 300, 0.9202 at 1000.
            ("classifier", NBLogisticRegression(C=1000.0, seed=seed)),
        ]
    )


def probability_positive(pipeline: Pipeline, texts: list[str]) -> np.ndarray:
    """P(positive) of each text: what ``pipeline.predict_proba(texts)[:, 1]`` returns.

    This module's own pipelines are scored step by step (Pipeline's routing was a fifth of
    the time to score one review); for a model saved with word n-grams, the log-odds of a
    text are the sum of its columns' coefficients times its row value, computed straight
    from ``ReviewVectorizer.rows``, as building a sparse matrix to multiply was half the time
    to score one review. Any other pipeline goes through scikit-learn with its input checks
    switched off (its parameters were checked when it was fitted).
    """
    (_, vectorizer), *middle, (_, classifier) = pipeline.steps
    ours = not middle and isinstance(classifier, NBLogisticRegression)
    if ours and isinstance(vectorizer, ReviewHasher):
        return classifier.predict_proba(vectorizer.transform(texts))[:, 1]
    if ours and isinstance(vectorizer, ReviewVectorizer) and vectorizer.is_lean:
        coef = classifier.coef_[0]
        rows = vectorizer.rows(texts)
        sums = np.fromiter((coef[columns].sum() for columns in rows), np.float32, len(rows))
        sizes = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        log_odds = (sums * row_values(sizes, coef.dtype)).astype(np.float64)
        return classifier.probability_from_log_odds(log_odds + classifier.intercept_[0])
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        return pipeline.predict_proba(texts)[:, 1]


UNUSED_WITH_OWN_ANALYZER = (
    "lowercase",
    "ngram_range",
    "preprocessor",
    "stop_words",
    "strip_accents",
    "token_pattern",
    "tokenizer",
)


def describe(pipeline: Pipeline) -> dict:
    """Each step's class and all its hyper-parameters, as JSON-ready values."""

    def json_ready(value):
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, tuple):
            return list(value)
        return getattr(value, "__qualname__", None) or repr(value)

    described = {}
    for name, step in pipeline.steps:
        params = step.get_params(deep=False)
        if callable(params.get("analyzer")):
            # The analyzer does the lower-casing, tokenising and n-grams itself, so these
            # settings of the vectorizer are never used; say what the analyzer does instead.
            for unused in UNUSED_WITH_OWN_ANALYZER:
                params.pop(unused, None)
            if params["analyzer"] is word_ngrams:
                params["ngram_range"] = (1, MAX_NGRAM)
                params["token_pattern"] = TOKEN.pattern
        if isinstance(step, ReviewHasher):
            params["ngram_range"] = (1, ml_features.MAX_NGRAM)
            params["token_pattern"] = ml_features.TOKEN.pattern
            params["negators"] = sorted(ml_features.NEGATORS)
            params["contrasts"] = sorted(ml_features.CONTRASTS)
            params["character_ngram_size"] = ml_features.CHARACTER_GRAM_SIZE
        described[name] = {
            "class": type(step).__qualname__,
            **{key: json_ready(value) for key, value in params.items()},
        }
    return described


def explain(pipeline: Pipeline, text: str, *, top_n: int = 10) -> list[tuple[str, float]]:
    """The phrases of ``text`` that moved its score, as (phrase, signed log-odds contribution).

    Positive weights push towards "positive".  Sorted by absolute weight, largest first.
    The model is linear, so each hashed column contributes ``feature value * coefficient``
    (times the row's calibration scale) and those contributions plus the classifier's
    ``log_odds_baseline`` add up to the prediction's log-odds. A phrase gathers the
    features it stands for: "not bad" the negated "bad" and the pair "not bad", "great"
    its after-contrast copy too.
    """
    vectorizer = pipeline.named_steps["features"]
    classifier = pipeline.named_steps["classifier"]
    if isinstance(vectorizer, ReviewHasher):
        phrases = vectorizer.feature_phrases(text)
    else:  # a model saved with plain word n-grams: each n-gram stands for itself
        phrases = dict.fromkeys(vectorizer.build_analyzer()(text))
    features = list(phrases)
    if not features:
        return []
    row = vectorizer.transform([text])
    row.sort_indices()
    weights = row.data * classifier.coef_[0][row.indices] * classifier.contribution_scale(row)[0]

    # Hashing is one-way, so hash the text's own features (with the vectorizer's settings)
    # to learn which column each one landed in: hash_features (see its import) gives one
    # column per feature, in order.
    columns, _, _ = hash_features(
        [zip(features, repeat(1))],
        vectorizer.n_features,
        np.float32,
        getattr(vectorizer, "alternate_sign", False),
        0,
    )
    contribution = np.zeros(len(columns))
    if row.nnz:  # a text whose words all cancel out has none
        at = np.minimum(np.searchsorted(row.indices, columns), row.nnz - 1)
        contribution = np.where(row.indices[at] == columns, weights[at], 0.0)
    # Features are present or not, so features of this text that collide in one column
    # share its contribution equally.
    _, column_of, sharers = np.unique(columns, return_inverse=True, return_counts=True)
    contribution = contribution / sharers[column_of]

    if not isinstance(vectorizer, ReviewHasher):  # one phrase per feature: the strongest
        strongest = np.argsort(-np.abs(contribution), kind="stable")[:top_n]
        return [(features[index], float(contribution[index])) for index in strongest]
    by_phrase: dict[str, float] = {}
    for feature, value in zip(features, contribution.tolist(), strict=True):
        by_phrase[phrases[feature]] = by_phrase.get(phrases[feature], 0.0) + value
    return sorted(by_phrase.items(), key=lambda item: abs(item[1]), reverse=True)[:top_n]


def evaluate(pipeline: Pipeline, texts: list[str], labels, *, n_bins: int = 10) -> dict:
    """Accuracy, per-class F1, confusion matrix, Brier score and a reliability table.

    The reliability table (equal-width probability bins) shows whether "80 %
    positive" really means 80 % of such reviews are positive.
    """
    labels = np.asarray(labels).astype(int)
    probability = probability_positive(pipeline, texts)
    predicted = (probability >= POSITIVE_THRESHOLD).astype(int)
    # A part of the data with one label only (the site's labelled reviews, say), all predicted
    # right, has no F1 for the other label: 0, scikit-learn's own value, without its warning.
    f1_negative, f1_positive = f1_score(
        labels, predicted, labels=[0, 1], average=None, zero_division=0.0
    )

    bin_of = np.minimum((probability * n_bins).astype(int), n_bins - 1)
    reliability = []
    for b in range(n_bins):
        in_bin = bin_of == b
        count = int(in_bin.sum())
        reliability.append(
            {
                "bin": [b / n_bins, (b + 1) / n_bins],
                "mean_predicted": float(probability[in_bin].mean()) if count else None,
                "observed_positive_rate": float(labels[in_bin].mean()) if count else None,
                "count": count,
            }
        )
    return {
        "n": int(len(labels)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "f1": {"negative": float(f1_negative), "positive": float(f1_positive)},
        "confusion_matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
        "brier": float(brier_score_loss(labels, probability)),
        "reliability": reliability,
    }


# Bands of text length (words, as the tokenizer counts them) whose calibration is reported:
# people typing into a form write the first two; the bundled data is mostly the last two.
LENGTH_BANDS = [("1-5 words", 1, 5), ("6-20 words", 6, 20), ("21-100 words", 21, 100)]
LONGEST_BAND = "over 100 words"


def length_band(text: str) -> str:
    words = len(tokenize(text))
    for name, low, high in LENGTH_BANDS:
        if low <= words <= high:
            return name
    return LONGEST_BAND if words > 100 else "no words"


def calibration_by_length(texts: list[str], labels, probability, *, n_bins: int = 10) -> dict:
    """Per band of text length: n, accuracy, mean confidence and expected calibration error.

    Confidence is max(p, 1 - p); a calibrated model's mean confidence equals its accuracy,
    and its expected calibration error (the gap between the two within each of `n_bins`
    equal-width confidence bins, weighted by the bin's share of texts) is near 0.
    """
    labels = np.asarray(labels).astype(int)
    probability = np.asarray(probability)
    confidence = np.maximum(probability, 1 - probability)
    right = (probability >= POSITIVE_THRESHOLD).astype(int) == labels
    bands = np.array([length_band(text) for text in texts])
    report = {}
    for name in [band for band, _, _ in LENGTH_BANDS] + [LONGEST_BAND]:
        chosen = bands == name
        n = int(chosen.sum())
        if not n:
            continue
        bin_of = np.minimum(((confidence[chosen] - 0.5) * 2 * n_bins).astype(int), n_bins - 1)
        gap = sum(
            abs(right[chosen][bin_of == b].mean() - confidence[chosen][bin_of == b].mean())
            * (bin_of == b).sum()
            for b in range(n_bins)
            if (bin_of == b).any()
        )
        report[name] = {
            "n": n,
            "accuracy": round(float(right[chosen].mean()), 4),
            "mean_confidence": round(float(confidence[chosen].mean()), 4),
            "expected_calibration_error": round(float(gap / n), 4),
        }
    return report
