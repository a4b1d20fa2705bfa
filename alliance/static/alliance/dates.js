// Next to each date and time input (alliance/formats/inputs.py), the choice in words in the
// page's language: the browser draws its picker in its own language and order, so "12/07/2026"
// or "02:30 PM" in an American browser on a German page reads "Montag, 7. Dezember 2026" and
// "14:30" here.
(function () {
  "use strict";
  var language = document.documentElement.lang || undefined;
  var dayWords = new Intl.DateTimeFormat(language, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
  });
  var timeWords = new Intl.DateTimeFormat(language, {
    hour: "2-digit", minute: "2-digit", timeZone: "UTC"
  });
  function words(input) {
    var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    if (input.type === "date") {
      return day ? dayWords.format(new Date(Date.UTC(+day[1], day[2] - 1, +day[3]))) : "";
    }
    var time = /^(\d{2}):(\d{2})/.exec(input.value);
    return time ? timeWords.format(new Date(Date.UTC(2000, 0, 1, +time[1], +time[2]))) : "";
  }
  function attach(input) {
    if (input.dataset.dateWordsDone) { return; }
    input.dataset.dateWordsDone = "1";
    // A plain span: an <output> is a status region, and the page's own status messages (a
    // booking's confirmation) are the ones to announce.
    var output = document.createElement("span");
    output.className = "date-words muted";
    input.insertAdjacentElement("afterend", output);
    function say() { output.textContent = words(input); }
    input.addEventListener("input", say);
    input.addEventListener("change", say);
    say();
  }
  function attachAll(root) {
    root.querySelectorAll("input[data-date-words]").forEach(attach);
  }
  document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { attachAll(event.target); });
})();
