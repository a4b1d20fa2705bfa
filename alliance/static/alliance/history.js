// Nothing of a staff page may come back once the tablet is in a client's hands (see
// docs/security.md, "Nothing left in the browser's history"). Loaded by every page, staff and
// portal; no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // A page restored from the back-forward cache was never asked of the server, so the hand-off
  // lock (or a log-out) never saw it: ask again. The server answers with the client's form.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });

  // "Hand the tablet to the client": the session page is replaced in the history by the
  // client's form (location.replace), so Back cannot return to it. The server answers this
  // request with the address to go to instead of a redirect. Without this script the form posts
  // as usual, and Back still meets the lock because staff pages are never stored.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.matches || !form.matches("form[data-handoff]") || !button || button.value !== "tablet") {
      return;
    }
    event.preventDefault();
    var data = new FormData(form, button);  // before disabling: a disabled button sends nothing
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Alliance-History": "replace" }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (answer) { window.location.replace(answer.location); })
      .catch(function () {
        // Nothing usable came back: let the browser post the form itself.
        button.disabled = false;
        form.removeAttribute("data-handoff");
        form.requestSubmit(button);
      });
  });
})();
