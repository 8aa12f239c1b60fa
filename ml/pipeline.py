"""Sentiment classifier for movie reviews: hashed word n-grams + NB-weighted logistic regression.

Pure Python / scikit-learn; no Django imports, so it can be trained, pickled and
tested on its own. Everything a pickled model references lives at module level
(``ml.pipeline.*``) so ``joblib.load`` can import it back by name.
"""

import re
import warnings
from collections import Counter

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from ml import features as ml_features
from ml.features import review_features
from ml.labels import POSITIVE_THRESHOLD

# 2**23 hashed columns for the ~5.3M distinct 1-3grams of the bundled data: in 5-fold
# cross-validation 2**21 columns lost 0.4 points of IMDB accuracy to collisions, 2**23 lost
# none that 2**24 won back. Coefficients are float32 (32 MB), like the features they meet.
N_FEATURES = 2**23
MAX_NGRAM = 3

# IMDB reviews contain literal "<br />" line breaks; they are markup, not words.
BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Words keep inner apostrophes so negations ("don't", "isn't") survive as one
# token; "!" and "?" are kept because they carry sentiment in reviews.
TOKEN = re.compile(r"\w+(?:'\w+)*|[!?]")


def tokenize(text: str) -> list[str]:
    """Lower-case ``text``, drop ``<br />`` tags and split into word / "!" / "?" tokens."""
    return TOKEN.findall(BREAK_TAG.sub(" ", text.lower()))


def word_ngrams(text: str) -> list[str]:
    """All 1..MAX_NGRAM word n-grams of ``text`` (the analyzer fed to the hasher).

    Hand-rolled with zip/map because sklearn's generic n-gram loop is the
    single biggest cost of scoring a review.
    """
    tokens = tokenize(text)
    ngrams = list(tokens)
    for n in range(2, MAX_NGRAM + 1):
        ngrams += map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False))
    return ngrams


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
            out_of_fold = np.empty(len(y))
            folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.seed)
            for train, test in folds.split(np.zeros(len(y)), y):
                fold_coef, fold_intercept = self._fit_linear(X[train], y[train])
                out_of_fold[test] = X[test] @ fold_coef + fold_intercept
            scale, shift = platt_scaling(out_of_fold, y)
            coef, intercept = coef * scale, intercept * scale + shift
        self.coef_ = coef.reshape(1, -1).astype(np.float32)
        self.intercept_ = np.array([intercept])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_linear(self, X: sp.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, float]:
        """NB-scaled logistic regression; returns the unscaled-feature coef and intercept."""
        # Ratios use presence (binarised) counts, as in the paper; alpha
        # smooths features seen in only one class.
        present = X.copy()
        present.data[:] = 1.0
        positive = self.alpha + np.asarray(present[y == 1].sum(axis=0)).ravel()
        negative = self.alpha + np.asarray(present[y == 0].sum(axis=0)).ravel()
        log_ratio = np.log(positive / positive.sum()) - np.log(negative / negative.sum())

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

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class (skips sklearn validation: it dominated latency)."""
        return np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]

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
    """NB-LR whose Platt scaling is fitted separately for each band of text length.

    One scaling for all texts left one-word reviews "99% sure": a short text's few features
    each carry the weight L2 normalisation gives them (1 for a lone feature, against
    1/sqrt(600) in an IMDB review), so its log-odds reach extremes a longer text's never
    do. Each band of distinct-feature counts (``length_bands``, the upper bounds of all but
    the last) gets its own out-of-fold Platt scaling, fitted on the training texts of that
    length; a band with too few of them keeps the scaling of all texts.
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
        length_bands: tuple[int, ...] = (40, 160, 800),
        min_band_texts: int = 200,
    ):
        super().__init__(
            C=C,
            alpha=alpha,
            tol=tol,
            max_iter=max_iter,
            calibration_folds=calibration_folds,
            seed=seed,
        )
        self.length_bands = length_bands
        self.min_band_texts = min_band_texts

    def band_of(self, X) -> np.ndarray:
        """Each row's length band: the number of bounds its distinct features exceed."""
        sizes = np.diff(sp.csr_matrix(X).indptr)
        return np.searchsorted(np.asarray(self.length_bands), sizes, side="left")

    def fit(self, X, y) -> "LengthCalibratedNBLR":
        X = sp.csr_matrix(X)
        y = np.asarray(y).astype(int)
        coef, intercept = self._fit_linear(X, y)
        out_of_fold = np.empty(len(y))
        folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.seed)
        for train, test in folds.split(np.zeros(len(y)), y):
            fold_coef, fold_intercept = self._fit_linear(X[train], y[train])
            out_of_fold[test] = X[test] @ fold_coef + fold_intercept
        bands = self.band_of(X)
        overall = platt_scaling(out_of_fold, y)
        scales, shifts = [], []
        for band in range(len(self.length_bands) + 1):
            chosen = bands == band
            enough = chosen.sum() >= self.min_band_texts and len(set(y[chosen])) == 2
            scale, shift = platt_scaling(out_of_fold[chosen], y[chosen]) if enough else overall
            scales.append(scale)
            shifts.append(shift)
        self.coef_ = coef.reshape(1, -1).astype(np.float32)
        self.intercept_ = np.array([intercept])
        self.band_scale_ = np.array(scales)
        self.band_shift_ = np.array(shifts)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def contribution_scale(self, X) -> np.ndarray:
        """What each row's feature contributions are multiplied by in its log-odds."""
        return self.band_scale_[self.band_of(X)]

    def decision_function(self, X) -> np.ndarray:
        """Calibrated log-odds of the positive class, each row by its length band's scaling."""
        raw = np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]
        bands = self.band_of(X)
        return raw * self.band_scale_[bands] + self.band_shift_[bands]


def platt_scaling(log_odds: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(a, b) of the Platt scaling a * log_odds + b fitted to `labels`."""
    platt = LogisticRegression(C=1e4).fit(log_odds.reshape(-1, 1), labels)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


class ReviewVectorizer(HashingVectorizer):
    """The pipeline's HashingVectorizer, under the name saved models were pickled with.

    Models saved before it became a plain HashingVectorizer reference ``ml.pipeline.
    ReviewVectorizer``; the name stays so they load and serve unchanged.
    """


def build_pipeline(*, seed: int = 0) -> Pipeline:
    """Unfitted text -> P(positive) pipeline; fit with ``(texts, labels)`` where labels are 0/1."""
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
    """P(positive) of each text, scored in one call of the pipeline.

    The pipeline's own inputs need no checking: its parameters were checked when it was
    fitted, and hashed text features are always finite. scikit-learn's public switches for
    both checks take about a third off scoring one review (bench/classifier.py).
    """
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
            if params["analyzer"] is review_features:
                params["ngram_range"] = (1, ml_features.MAX_NGRAM)
                params["token_pattern"] = ml_features.TOKEN.pattern
                params["negators"] = sorted(ml_features.NEGATORS)
                params["contrasts"] = sorted(ml_features.CONTRASTS)
                params["character_ngrams"] = ml_features.CHARACTER_GRAM_SIZE
        described[name] = {
            "class": type(step).__qualname__,
            **{key: json_ready(value) for key, value in params.items()},
        }
    return described


def explain(pipeline: Pipeline, text: str, *, top_n: int = 10) -> list[tuple[str, float]]:
    """The phrases of ``text`` that moved its score, as (phrase, signed log-odds contribution).

    Positive weights push towards "positive".  Sorted by absolute weight, largest first.
    The model is linear, so each hashed column contributes ``feature value * coefficient``
    (times the row's calibration scale) and those contributions plus the intercept add up
    to the prediction's log-odds. A phrase gathers the features it stands for: "not bad"
    the negated "bad" and the pair "not bad", "great" its after-contrast copy too.
    """
    vectorizer = pipeline.named_steps["features"]
    classifier = pipeline.named_steps["classifier"]
    coef = classifier.coef_[0]
    row = vectorizer.transform([text])
    scale = (
        float(classifier.contribution_scale(row)[0])
        if hasattr(classifier, "contribution_scale")
        else 1.0
    )
    column_weight = dict(
        zip(row.indices.tolist(), (row.data * coef[row.indices] * scale).tolist(), strict=True)
    )

    # Hashing is one-way, so hash the text's own features (with the very hasher
    # HashingVectorizer uses internally) to learn which column each one landed in.
    features = list(dict.fromkeys(vectorizer.build_analyzer()(text)))
    if not features:
        return []
    phrases = ml_features.feature_phrases(text) if vectorizer.analyzer is review_features else {}
    hasher = FeatureHasher(
        n_features=vectorizer.n_features,
        input_type="string",
        alternate_sign=vectorizer.alternate_sign,
    )
    columns = hasher.transform([[feature] for feature in features]).tocsr().indices.tolist()

    # Features are binary presence, so features of this text that collide in one
    # column share its contribution equally.
    sharers = Counter(columns)
    by_phrase: dict[str, float] = {}
    for feature, column in zip(features, columns, strict=True):
        phrase = phrases.get(feature, feature)
        by_phrase[phrase] = (
            by_phrase.get(phrase, 0.0) + column_weight.get(column, 0.0) / sharers[column]
        )
    contributions = sorted(by_phrase.items(), key=lambda item: abs(item[1]), reverse=True)
    return contributions[:top_n]


def evaluate(pipeline: Pipeline, texts: list[str], labels, *, n_bins: int = 10) -> dict:
    """Accuracy, per-class F1, confusion matrix, Brier score and a reliability table.

    The reliability table (equal-width probability bins) shows whether "80 %
    positive" really means 80 % of such reviews are positive.
    """
    labels = np.asarray(labels).astype(int)
    probability = probability_positive(pipeline, texts)
    predicted = (probability >= POSITIVE_THRESHOLD).astype(int)
    f1_negative, f1_positive = f1_score(labels, predicted, labels=[0, 1], average=None)

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
