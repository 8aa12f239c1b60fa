"""The cached classifier: loaded once per process, following the active version."""

import pytest

from ml import classifier as classifier_module
from ml.classifier import (
    ModelUnavailable,
    active_model_exists,
    get_active_classifier,
    get_classifier,
    model_version_get,
)
from ml.services import model_activate
from tests.conftest import register


def test_the_model_is_loaded_once_and_reused(active_model, monkeypatch):
    loads = []
    real_load = classifier_module.artifact_load
    monkeypatch.setattr(
        classifier_module,
        "artifact_load",
        lambda *args, **kwargs: loads.append(1) or real_load(*args, **kwargs),
    )

    first = get_active_classifier()
    for _ in range(5):
        assert get_active_classifier() is first
    assert len(loads) == 1


def test_a_newly_activated_model_is_picked_up_without_a_restart(
    active_model, trained_artifact, settings
):
    settings.MODEL_REFRESH_SECONDS = 0
    assert get_active_classifier().version == "test-model"
    register(trained_artifact, version="candidate", active=False)

    model_activate(version="candidate")

    assert get_active_classifier().version == "candidate"


def test_predict_batch_scores_every_text_in_order(active_model):
    scores = get_active_classifier().predict_batch(
        ["Brilliant, moving, superb.", "Boring, awful, a waste of time."]
    )

    assert [score.sentiment for score in scores] == ["positive", "negative"]
    assert scores[0].probability_positive > 0.5 > scores[1].probability_positive


def test_no_active_model_is_a_clear_error(db):
    with pytest.raises(ModelUnavailable, match="train_model"):
        get_active_classifier()


@pytest.mark.parametrize(
    "look_up",
    [
        lambda version: model_version_get(version=version),
        get_classifier,
        lambda version: model_activate(version=version),
    ],
    ids=["model_version_get", "get_classifier", "model_activate"],
)
def test_every_lookup_of_an_unknown_version_says_where_to_find_the_known_ones(db, look_up):
    with pytest.raises(
        ModelUnavailable, match=r"^unknown model version 'nope'; `python manage.py list_models`"
    ):
        look_up("nope")


def test_a_model_exists_as_active_only_once_one_is_activated(db, trained_artifact):
    register(trained_artifact, version="candidate", active=False)
    assert not active_model_exists()

    model_activate(version="candidate")

    assert active_model_exists()
