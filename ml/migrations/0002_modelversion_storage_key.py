"""ModelVersion keeps a key in the models storage instead of a local path.

A version's folder was MODEL_DIR/<version folder>/, and the default models storage is a
FileSystemStorage in MODEL_DIR, so the key is the path's last component. Reversible: the path
comes back as MODEL_DIR/<key>.
"""

from pathlib import Path, PurePath

from django.conf import settings
from django.db import migrations, models


def storage_keys_from_paths(apps, schema_editor):
    ModelVersion = apps.get_model("ml", "ModelVersion")
    for model_version in ModelVersion.objects.only("artifact_path"):
        model_version.storage_key = PurePath(model_version.artifact_path).name
        model_version.save(update_fields=["storage_key"])


def paths_from_storage_keys(apps, schema_editor):
    ModelVersion = apps.get_model("ml", "ModelVersion")
    for model_version in ModelVersion.objects.only("storage_key"):
        model_version.artifact_path = str(Path(settings.MODEL_DIR) / model_version.storage_key)
        model_version.save(update_fields=["artifact_path"])


class Migration(migrations.Migration):
    dependencies = [("ml", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="storage_key",
            field=models.CharField(
                default="",
                help_text="Folder in the models storage holding model.joblib and metadata.json.",
                max_length=500,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(storage_keys_from_paths, paths_from_storage_keys),
        # A default for the column only so that, migrating back, it can be added to existing
        # rows before paths_from_storage_keys fills it.
        migrations.AlterField(
            model_name="modelversion",
            name="artifact_path",
            field=models.CharField(
                default="", help_text="Directory holding model.joblib.", max_length=500
            ),
        ),
        migrations.RemoveField(model_name="modelversion", name="artifact_path"),
    ]
