// After htmx swaps an alert card (acknowledged), move the keyboard focus to the new card so a
// screen reader announces "Acknowledged by ..." and keyboard users do not lose their place.
(function () {
  "use strict";
  var swappedId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    swappedId = event.detail.target ? event.detail.target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var card = swappedId ? document.getElementById(swappedId) : null;
    swappedId = null;
    if (card && card.hasAttribute("data-focus-after-swap")) { card.focus(); }
  });
})();
