// Draws every chart on the page from its Vega-Lite specification.
// Each chart is <figure data-chart="ID"> with the spec in <script type="application/json" id="ID">
// (Django's json_script), so no inline script runs and the Content-Security-Policy stays strict.
(function () {
  "use strict";
  function draw(figure) {
    var source = document.getElementById(figure.dataset.chart);
    if (!source || typeof vegaEmbed !== "function") { return; }
    var target = figure.querySelector(".chart-canvas") || figure;
    vegaEmbed(target, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
      .then(function () { figure.classList.add("chart-drawn"); })
      .catch(function (error) { figure.classList.add("chart-failed"); console.error(error); });
  }
  function drawAll(root) { (root || document).querySelectorAll("figure[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
