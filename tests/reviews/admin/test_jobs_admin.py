"""The Jobs admin: progress while a job runs, its end, and Cancel."""

import re
from datetime import timedelta

from django.contrib.messages.constants import SUCCESS, WARNING
from django.urls import reverse
from django.utils import timezone

from reviews.models import Job
from tests.reviews.admin.helpers import action, messages_of, staff_user

JOBS = reverse("admin:reviews_job_changelist")


def running_job(model_version, *, done: int = 2500, total: int = 10_000) -> Job:
    return Job.objects.create(
        kind=Job.Kind.RESCORE,
        model_version=model_version,
        status=Job.Status.RUNNING,
        total=total,
        done=done,
        started_at=timezone.now() - timedelta(seconds=100),
    )


def page_of(client, job: Job) -> str:
    return client.get(reverse("admin:reviews_job_change", args=[job.pk])).content.decode()


def test_a_running_jobs_page_shows_its_progress_rate_and_time_left(admin_client, active_model):
    page = page_of(admin_client, running_job(active_model))

    assert '<progress value="2500" max="10000"' in page
    assert "2,500 of 10,000 (25%)" in page
    # 2,500 reviews in the 100 s since it started (and the moment it took to ask):
    rate, left = re.search(r"(\d+) reviews/s, about (\d+) s left", page).groups()
    assert int(rate) == 25 and 300 <= int(left) <= 310


def test_a_running_jobs_page_refreshes_itself(admin_client, active_model):
    page = page_of(admin_client, running_job(active_model))

    assert "data-job-running" in page and "js/job_refresh.js" in page


def test_a_finished_jobs_page_says_how_long_it_took_and_stops_refreshing(
    admin_client, active_model
):
    job = running_job(active_model, done=10_000)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE, finished_at=job.started_at + timedelta(seconds=100)
    )

    page = page_of(admin_client, job)

    assert "10,000 of 10,000 (100%)" in page and "took 100 s" in page
    assert "data-job-running" not in page


def test_cancel_stops_a_running_job(admin_client, admin_user, active_model):
    job = running_job(active_model)

    response = action(admin_client, JOBS, "cancel", [job])

    job.refresh_from_db()
    assert (job.status, job.error) == ("cancelled", f"cancelled by {admin_user}")
    [(level, message)] = messages_of(response)
    assert level == SUCCESS and message.startswith("Cancelled 1 job(s)")


def test_cancel_leaves_a_finished_job_as_it_ended(admin_client, active_model):
    job = running_job(active_model)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=timezone.now())

    response = action(admin_client, JOBS, "cancel", [job])

    job.refresh_from_db()
    assert job.status == "done"
    [(level, _)] = messages_of(response)
    assert level == WARNING


def test_cancel_needs_the_change_job_permission(client, active_model):
    job = running_job(active_model)
    client.force_login(staff_user("reviews.view_job"))

    listing = client.get(JOBS).content.decode()
    action(client, JOBS, "cancel", [job])

    assert 'value="cancel"' not in listing
    job.refresh_from_db()
    assert job.status == "running"
