// Telemetry dashboard: draw each <canvas data-chart="{type, labels, datasets}"> with Chart.js.
(function () {
  "use strict";

  function draw(canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var horizontal = spec.type === "horizontal";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: spec.datasets.length > 1 } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
