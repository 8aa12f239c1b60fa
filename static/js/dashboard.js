// The staff dashboard's charts (reviews/admin/dashboard.py): drawn with the vendored
// Chart.js from the figures the page passes with json_script; the tables under them hold
// the same figures, for reading without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const draw = (id, type, datasets, y) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type,
      data: { labels: data.labels, datasets },
      options: { animation: false, responsive: true, scales: { y } },
    });
  };
  draw("chart-reviews", "bar", [{ label: "Reviews", data: data.reviews }], { beginAtZero: true });
  draw(
    "chart-confidence",
    "line",
    [
      { label: "Mean confidence", data: data.mean_confidence, spanGaps: true },
      { label: "Low-margin share", data: data.low_margin_share, spanGaps: true },
    ],
    { min: 0, max: 1 },
  );
  draw(
    "chart-share",
    "line",
    Object.entries(data.share_positive).map(([version, values]) => ({
      label: version,
      data: values,
      spanGaps: true,
    })),
    { min: 0, max: 1 },
  );
});
