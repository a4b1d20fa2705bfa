// Draws every chart on the page from its Vega-Lite specification.
// Each chart is <figure data-chart="ID"> with the spec in <script type="application/json" id="ID">
// (Django's json_script), so no inline script runs and the Content-Security-Policy stays strict.
// `ast: true` makes Vega interpret expressions instead of compiling them with `new Function`
// (which `script-src 'self'` forbids); the interpreter ships inside vega-embed's bundle.
// Neither vega-embed nor its tooltip may inject a <style> element (style-src 'self'): their look
// lives in alliance.css.
(function () {
  "use strict";
  var OPTIONS = {
    actions: false,
    renderer: "svg",
    ast: true,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };
  // The page's language for numbers and dates on axes and in tooltips ({% chart_locale %}: the
  // d3 locale files copied from node_modules by `make frontend`); none: vega's English.
  var locale = document.getElementById("chart-locale");
  if (locale) {
    var words = JSON.parse(locale.textContent);
    OPTIONS.formatLocale = words.format;
    OPTIONS.timeFormatLocale = words.time;
  }
  // Vega writes its own descriptions of axes, legends and marks for screen readers, in English
  // only ("X-axis titled ..."). On a page in another language they would be read out in English
  // in the middle of it, so there they are left out: the figure's caption and the table of its
  // figures say what it shows, in the page's language.
  if (!/^en\b/.test(document.documentElement.lang || "en")) {
    OPTIONS.config = { aria: false };
  }
  function draw(figure) {
    var source = document.getElementById(figure.dataset.chart);
    if (!source || typeof vegaEmbed !== "function" || figure.classList.contains("chart-drawn")) { return; }
    var target = figure.querySelector(".chart-canvas") || figure;
    vegaEmbed(target, JSON.parse(source.textContent), OPTIONS)
      .then(function () { figure.classList.add("chart-drawn"); })
      .catch(function (error) { figure.classList.add("chart-failed"); console.error(error); });
  }
  function drawAll(root) { (root || document).querySelectorAll("figure[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
