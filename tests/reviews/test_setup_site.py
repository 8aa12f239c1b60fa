"""`setup_site`: what `make setup` (and so `make run`) runs, in one process."""

import io

from django.core.management import call_command

from ml.models import ModelVersion


def test_setup_site_with_an_active_model_trains_nothing_and_collects_the_static_files(
    active_model, settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path / "static"
    out = io.StringIO()

    call_command("setup_site", stdout=out)

    assert list(ModelVersion.objects.values_list("version", flat=True)) == ["test-model"]
    assert (tmp_path / "static" / "css" / "site.css").exists()
    assert (tmp_path / "static" / "ninja" / "swagger-ui-bundle.js").exists()
    assert "The site is set up." in out.getvalue()


def test_setup_site_run_twice_changes_nothing_the_second_time(active_model, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("setup_site", stdout=io.StringIO())
    collected = sorted(path.name for path in (tmp_path / "static" / "css").iterdir())

    call_command("setup_site", stdout=io.StringIO())

    assert ModelVersion.objects.count() == 1
    assert sorted(path.name for path in (tmp_path / "static" / "css").iterdir()) == collected
