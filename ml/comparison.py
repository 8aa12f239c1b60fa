"""Train the tutorial's four classifiers beside ours on the same split. No Django here.

The tutorial vectorised with TF-IDF (English stop words) and compared an RBF SVM (C=8, the
one it shipped), a decision tree, multinomial naive Bayes and logistic regression.
"""

import statistics
import time
from collections.abc import Callable

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from ml.dataset import MIN_TEXTS_PER_LABEL, DatasetError, LabelledTexts, sample

# The tutorial trained on 13,400 reviews; its SVM's training time grows with the square
# of that, so the comparison keeps the tutorial's own size unless told otherwise.
TUTORIAL_TRAINING_SIZE = 13_400


def tutorial_training_set(train: LabelledTexts, *, size: int, seed: int = 0) -> LabelledTexts:
    """The stratified sample of `train` the tutorial's classifiers learn from.

    Raises DatasetError when it holds too few texts of a label to learn from (a size of 1
    rounds every group to none).
    """
    picked = sample(train, size=size, seed=seed)
    counts = picked.label_counts()
    if min(counts.values()) < MIN_TEXTS_PER_LABEL:
        raise DatasetError(
            f"a training size of {size} gives the tutorial's classifiers {counts['positive']} "
            f"positive and {counts['negative']} negative texts; at least "
            f"{MIN_TEXTS_PER_LABEL} of each are needed"
        )
    return picked


def tutorial_classifiers(seed: int) -> dict[str, Callable[[], object]]:
    return {
        "tutorial SVM (SVC C=8, RBF)": lambda: SVC(C=8),
        "decision tree": lambda: DecisionTreeClassifier(random_state=seed),
        "naive Bayes": MultinomialNB,
        "logistic regression": lambda: LogisticRegression(max_iter=1000),
    }


def measure(name: str, model, train: LabelledTexts, test: LabelledTexts) -> dict:
    """Fit `model`, then score `test`: accuracy, macro F1, train seconds, ms per review."""
    started = time.perf_counter()
    model.fit(train.texts, train.labels)
    train_seconds = time.perf_counter() - started
    predicted = model.predict(test.texts)
    latencies = []
    for text in test.texts[:200]:
        begin = time.perf_counter()
        model.predict([text])
        latencies.append((time.perf_counter() - begin) * 1000)
    return {
        "classifier": name,
        "trained_on": len(train),
        "accuracy": float(accuracy_score(test.labels, predicted)),
        "f1_macro": float(f1_score(test.labels, predicted, average="macro")),
        "train_seconds": train_seconds,
        "ms_per_review": statistics.median(latencies),
    }


def compare(
    train: LabelledTexts,
    test: LabelledTexts,
    *,
    ours: tuple[str, object],
    tutorial_training_size: int = TUTORIAL_TRAINING_SIZE,
    seed: int = 0,
    progress: Callable[[str], None] = lambda message: None,
) -> list[dict]:
    """One row per classifier, ours first, all scored on the same held-out `test`."""
    rows = [measure(ours[0], ours[1], train, test)]
    tutorial_train = tutorial_training_set(train, size=tutorial_training_size, seed=seed)
    for name, make in tutorial_classifiers(seed).items():
        progress(f"training {name} on {len(tutorial_train)} texts")
        model = Pipeline([("tfidf", TfidfVectorizer(stop_words="english")), ("classifier", make())])
        rows.append(measure(name, model, tutorial_train, test))
    return rows


def format_table(rows: list[dict]) -> str:
    header = (
        f"{'classifier':<30} {'trained on':>10} {'accuracy':>9} {'F1':>7} "
        f"{'train s':>9} {'ms/review':>10}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['classifier']:<30} {row['trained_on']:>10} {row['accuracy']:>9.4f} "
            f"{row['f1_macro']:>7.4f} {row['train_seconds']:>9.1f} {row['ms_per_review']:>10.3f}"
        )
    return "\n".join(lines)
