// Reload a jobs page every few seconds while it shows a running job (reviews/admin/jobs.py).
if (document.querySelector("[data-job-running]")) {
  setTimeout(() => window.location.reload(), 3000);
}
