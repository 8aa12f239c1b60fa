"""Build, train and evaluate the sentiment Pipeline. No Django here."""

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, confusion_matrix, f1_score
from sklearn.pipeline import Pipeline

N_FEATURES = 2**20


def build_pipeline(*, seed: int = 0) -> Pipeline:
    """An unfitted pipeline: fit(texts, labels 0/1), predict_proba(texts)[:, 1] = P(positive)."""
    return Pipeline(
        [
            (
                "vectorize",
                HashingVectorizer(
                    ngram_range=(1, 2), n_features=N_FEATURES, alternate_sign=False, norm=None
                ),
            ),
            ("weight", TfidfTransformer(sublinear_tf=True)),
            ("classify", LogisticRegression(C=10, max_iter=1000, random_state=seed)),
        ]
    )


def describe(pipeline: Pipeline) -> dict:
    """Each step with the hyper-parameters that differ from scikit-learn's defaults."""
    return {name: str(step) for name, step in pipeline.steps}


def explain(pipeline: Pipeline, text: str, *, top_n: int = 10) -> list[tuple[str, float]]:
    """The text's n-grams that pushed the prediction, strongest first; > 0 means positive."""
    vectorizer = pipeline.named_steps["vectorize"]
    row = pipeline[:-1].transform([text])
    coef = pipeline.named_steps["classify"].coef_[0]
    contributions = {}
    for term in set(vectorizer.build_analyzer()(text)):
        column = vectorizer.transform([term]).indices
        if len(column):
            contributions[term] = float(row[0, column[0]] * coef[column[0]])
    ranked = sorted(contributions.items(), key=lambda item: -abs(item[1]))
    return [item for item in ranked if item[1] != 0][:top_n]


def evaluate(pipeline: Pipeline, texts: list[str], labels) -> dict:
    """Held-out metrics: accuracy, F1 per class, confusion matrix, Brier score, reliability."""
    labels = np.asarray(labels)
    probabilities = pipeline.predict_proba(texts)[:, 1]
    predicted = (probabilities >= 0.5).astype(int)
    f1_negative, f1_positive = f1_score(labels, predicted, average=None, labels=[0, 1])
    return {
        "n": int(len(labels)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "f1": {"negative": float(f1_negative), "positive": float(f1_positive)},
        "confusion_matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
        "brier": float(brier_score_loss(labels, probabilities)),
        "reliability": reliability_table(labels, probabilities),
    }


def reliability_table(labels, probabilities, *, bins: int = 10) -> list[dict]:
    """Per probability bin: mean predicted P(positive), observed positive rate, count."""
    edges = np.linspace(0, 1, bins + 1)
    table = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (probabilities >= low) & (
            (probabilities < high) if high < 1 else (probabilities <= high)
        )
        count = int(in_bin.sum())
        if count:
            table.append(
                {
                    "bin": f"{low:.1f}-{high:.1f}",
                    "mean_predicted": float(probabilities[in_bin].mean()),
                    "observed": float(labels[in_bin].mean()),
                    "count": count,
                }
            )
    return table
