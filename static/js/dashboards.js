/* Dashboards: charts from data-chart attributes (CSP forbids inline scripts) and what-if sliders.
   Everything works without this file; it only draws charts and adds a slider to each what-if. */
(function () {
  "use strict";
  var COLOURS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997"];

  // Month keys ("2026-07") read as the reader's month names ("Jul 2026", "juil. 2026").
  function monthLabel(label, locale) {
    var match = /^(\d{4})-(\d{2})$/.exec(label);
    if (!match) { return label; }
    var day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
    return day.toLocaleDateString(locale, { month: "short", year: "numeric", timeZone: "UTC" });
  }

  // Day keys ("2026-07-14") read as the reader's short dates ("14 Jul", "14 juil.").
  function dayLabel(label, locale) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(label);
    if (!match) { return label; }
    var day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return day.toLocaleDateString(locale, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  // A contest's progress: the measure (left axis) and the rank (right axis, 1 at the top).
  function drawContest(canvas, data, locale) {
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map(function (label) { return dayLabel(label, locale); }),
        datasets: [
          { label: data.names.measure, data: data.measure.map(Number), yAxisID: "measure",
            borderColor: COLOURS[0], backgroundColor: COLOURS[0], tension: 0.2 },
          { label: data.names.rank, data: data.rank, yAxisID: "rank",
            borderColor: COLOURS[2], backgroundColor: COLOURS[2], borderDash: [6, 4], pointStyle: "rectRot", pointRadius: 5 }
        ]
      },
      options: {
        animation: false,
        responsive: true,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (item) {
            return item.dataset.label + ": " + Number(item.raw).toLocaleString(locale);
          } } }
        },
        scales: {
          measure: { position: "left", beginAtZero: true, title: { display: true, text: data.names.measure },
            ticks: { callback: function (value) { return Number(value).toLocaleString(locale); } } },
          rank: { position: "right", reverse: true, min: 1, grid: { drawOnChartArea: false },
            title: { display: true, text: data.names.rank },
            ticks: { precision: 0, callback: function (value) { return Number(value).toLocaleString(locale); } } }
        }
      }
    });
    canvas.dataset.rendered = "yes";
  }

  function drawChart(canvas) {
    if (typeof Chart === "undefined") { return; }
    var data = JSON.parse(canvas.dataset.chart);
    if (data.kind === "contest") {
      drawContest(canvas, data, document.documentElement.lang || "en");
      return;
    }
    // `order` keeps the series in the page's order (JSON objects come with their keys sorted)
    var currencies = data.order || Object.keys(data.series);
    var locale = document.documentElement.lang || "en";
    canvas.chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(function (label) { return monthLabel(label, locale); }),
        datasets: currencies.map(function (currency, index) {
          return {
            label: currency,
            data: data.series[currency].map(Number),
            backgroundColor: COLOURS[index % COLOURS.length]
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { display: currencies.length > 1 } },
        scales: { y: { ticks: { callback: function (value) { return Number(value).toLocaleString(locale); } } } }
      }
    });
    canvas.dataset.rendered = "yes";
  }

  function addSlider(form) {
    var input = form.querySelector("input[name=extra]");
    if (!input) { return; }
    var slider = document.createElement("input");
    slider.type = "range";
    slider.className = "form-range mt-2";
    slider.min = "0";
    slider.max = input.dataset.sliderMax || "100000";
    slider.step = String(Math.max(1, Math.round(Number(slider.max) / 200)));
    slider.value = input.value || "0";
    slider.setAttribute("aria-label", input.dataset.sliderLabel || "");
    slider.addEventListener("input", function () { input.value = slider.value; });
    slider.addEventListener("change", function () { form.requestSubmit(); });
    input.addEventListener("input", function () { slider.value = input.value; });
    input.parentElement.appendChild(slider);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(drawChart);
  document.querySelectorAll("form[data-what-if]").forEach(addSlider);
})();
