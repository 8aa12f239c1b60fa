"""Background jobs: their progress (bar, rate, time left) while they run, and Cancel."""

from django.contrib import admin, messages
from django.utils.html import format_html

from reviews.admin.mixins import ReadOnlyAdminMixin
from reviews.models import Job
from reviews.selectors.jobs import job_chunk_counts, job_progress
from reviews.services.jobs import job_cancel


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "progress", "model_version", "requested_by", "queued_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["model_version", "requested_by"]
    actions = ["cancel"]
    fields = [
        "kind",
        "status",
        "progress",
        "model_version",
        "total",
        "done",
        "changed",
        "requested_by",
        "queued_at",
        "started_at",
        "finished_at",
        "error",
        "chunks",
    ]
    readonly_fields = fields

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("reviews.change_job")

    @admin.display(description="Progress")
    def progress(self, job: Job) -> str:
        figures = job_progress(job)
        left = figures["seconds_left"]
        if job.is_finished:
            when = (
                f"took {(job.finished_at - job.started_at).total_seconds():.0f} s"
                if (job.started_at and job.finished_at)
                else "never started"
            )
        else:
            when = f"about {left:.0f} s left" if left is not None else "starting"
        return format_html(
            '<progress value="{}" max="{}"{}>{}</progress> {} of {} ({}), {} reviews/s, {}',
            job.done,
            max(job.total, 1),
            "" if job.is_finished else format_html(' data-job-running="{}"', job.pk),
            f"{figures['share']:.0%}",
            f"{job.done:,}",
            f"{job.total:,}",
            f"{figures['share']:.0%}",
            f"{figures['rate']:,.0f}",
            when,
        )

    @admin.display(description="Chunks")
    def chunks(self, job: Job) -> str:
        counts = job_chunk_counts(job)
        return ", ".join(f"{count} {status}" for status, count in counts.items())

    @admin.action(description="Cancel the selected jobs", permissions=["cancel"])
    def cancel(self, request, queryset):
        cancelled = sum(job_cancel(job, by=request.user) for job in queryset)
        if cancelled:
            self.message_user(
                request,
                f"Cancelled {cancelled} job(s): no chunk starts now, and a running one stops "
                "after its current batch (what it wrote so far is kept).",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, "Nothing cancelled: those jobs had ended.", messages.WARNING)
