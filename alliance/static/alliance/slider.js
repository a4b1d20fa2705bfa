// Visual-analogue lines as real sliders, for the client's form (alliance/portal).
//
// The page arrives with a plain number input per line (0 to 10, step 0.1), which works without
// this script. The script turns each into a role="slider" the client sets by touch, mouse or
// keyboard (arrows +/-0.1, PageUp/PageDown +/-1, Home/End the ends). A line has no value until
// the client chooses one: the form is not sent while a line is untouched, and the page says which
// line still needs an answer (the server refuses it too). No inline code: CSP stays strict.
(function () {
  "use strict";

  function decimalsOf(step) {
    var text = String(step);
    return text.indexOf(".") < 0 ? 0 : text.length - text.indexOf(".") - 1;
  }

  function Line(box, answered) {
    var input = box.querySelector("input");
    var question = box.closest(".question");
    var label = question.querySelector(".question-label");
    var error = question.querySelector(".field-error");
    var step = parseFloat(input.step) || 1;
    var decimals = decimalsOf(input.step || "1");
    var perPoint = Math.round(1 / step);
    var lowest = Math.round(parseFloat(input.min) * perPoint);
    var highest = Math.round(parseFloat(input.max) * perPoint);
    var language = document.documentElement.lang || "en";
    var self = this;

    var slider = document.createElement("div");
    slider.className = "slider";
    slider.setAttribute("role", "slider");
    slider.tabIndex = 0;
    slider.setAttribute("aria-labelledby", label.id);
    slider.setAttribute("aria-describedby", input.getAttribute("aria-describedby") || "");
    slider.setAttribute("aria-valuemin", input.min);
    slider.setAttribute("aria-valuemax", input.max);
    slider.setAttribute("aria-orientation", "horizontal");
    slider.innerHTML =
      '<div class="slider-track"><div class="slider-fill"></div><div class="slider-thumb"></div></div>';
    var track = slider.querySelector(".slider-track");
    var fill = slider.querySelector(".slider-fill");
    var thumb = slider.querySelector(".slider-thumb");
    var readout = document.createElement("p");
    readout.className = "slider-value";
    readout.setAttribute("aria-hidden", "true");

    // The number input stays as the field that is sent, hidden; its label now points the slider.
    var required = input.hasAttribute("required");
    input.type = "hidden";
    input.removeAttribute("required");
    box.insertBefore(slider, box.firstChild);
    label.parentNode.insertBefore(readout, label.nextSibling);
    box.classList.add("enhanced");
    label.addEventListener("click", function (event) { event.preventDefault(); slider.focus(); });

    var parsed = parseFloat(input.value);
    this.units = isNaN(parsed) ? null : Math.round(parsed * perPoint);
    if (this.units !== null && (this.units < lowest || this.units > highest)) { this.units = null; }
    this.slider = slider;
    this.question = question;
    this.required = required;
    this.message = box.dataset.missing;

    function shown(value) {
      return value.toLocaleString(language, {
        minimumFractionDigits: decimals, maximumFractionDigits: decimals
      });
    }

    function render() {
      if (self.units === null) {
        slider.setAttribute("aria-valuenow", String((lowest + highest) / 2 / perPoint));
        slider.setAttribute("aria-valuetext", box.dataset.unanswered);
        readout.textContent = box.dataset.unanswered;
        question.classList.remove("answered");
        input.value = "";
        return;
      }
      var value = self.units / perPoint;
      var percent = ((self.units - lowest) / (highest - lowest)) * 100;
      slider.setAttribute("aria-valuenow", value.toFixed(decimals));
      slider.setAttribute("aria-valuetext", shown(value) + " " + box.dataset.outOf);
      readout.textContent = shown(value);
      // Setting styles from script is allowed by the CSP (only inline style attributes are not).
      thumb.style.left = percent + "%";
      fill.style.width = percent + "%";
      question.classList.add("answered");
      input.value = value.toFixed(decimals);
    }

    function set(units) {
      self.units = Math.min(highest, Math.max(lowest, units));
      render();
      if (error) { error.hidden = true; error.textContent = ""; }
      question.classList.remove("has-error");
      answered(question);
    }

    function fromPointer(event) {
      var rect = track.getBoundingClientRect();
      var ratio = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      set(Math.round(lowest + ratio * (highest - lowest)));
    }

    // Mouse and pen set the mark at once. A finger only when the client meant it: a tap (lifted
    // without moving far) or a drag that is mostly sideways. A finger that moves mostly up or down
    // is scrolling the page past the line: the browser scrolls it (touch-action: pan-y) and sends
    // pointercancel, and the pointermoves that come first must not answer the line.
    var SLOP = 10; // CSS pixels a finger may wander before the gesture counts as a move
    var pressed = null;
    slider.addEventListener("pointerdown", function (event) {
      if (event.button > 0) { return; }
      var touch = event.pointerType === "touch";
      pressed = { id: event.pointerId, touch: touch, x: event.clientX, y: event.clientY,
        gesture: touch ? "undecided" : "drag" };
      if (touch) { return; }
      slider.focus();
      if (slider.setPointerCapture) { slider.setPointerCapture(event.pointerId); }
      fromPointer(event);
      event.preventDefault();
    });
    slider.addEventListener("pointermove", function (event) {
      if (!pressed || event.pointerId !== pressed.id) { return; }
      if (pressed.gesture === "undecided") {
        var across = Math.abs(event.clientX - pressed.x);
        var down = Math.abs(event.clientY - pressed.y);
        if (Math.max(across, down) <= SLOP) { return; }
        pressed.gesture = across > down ? "drag" : "scroll";
        if (pressed.gesture === "drag") { slider.focus({ preventScroll: true }); }
      }
      if (pressed.gesture === "drag") { fromPointer(event); }
    });
    slider.addEventListener("pointerup", function (event) {
      if (!pressed || event.pointerId !== pressed.id) { return; }
      var gesture = pressed.gesture;
      pressed = null;
      if (gesture === "scroll") { return; }
      if (gesture === "undecided") { slider.focus({ preventScroll: true }); }
      fromPointer(event);
    });
    slider.addEventListener("pointercancel", function () { pressed = null; });

    var steps = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };
    steps.PageUp = perPoint;
    steps.PageDown = -perPoint;
    slider.addEventListener("keydown", function (event) {
      var move = steps[event.key];
      if (event.key === "Home") { set(lowest); }
      else if (event.key === "End") { set(highest); }
      else if (move !== undefined) {
        // An untouched line has no mark to move: the first press puts it in the middle.
        set(self.units === null ? Math.round((lowest + highest) / 2) : self.units + move);
      } else { return; }
      event.preventDefault();
    });

    render();
  }

  function Choice(fieldset, answered) {
    var error = fieldset.querySelector(".field-error");
    this.question = fieldset;
    this.slider = fieldset.querySelector("input");
    this.required = fieldset.hasAttribute("data-required");
    this.message = fieldset.dataset.missing;
    this.answered = function () { return fieldset.querySelector("input:checked") !== null; };
    fieldset.addEventListener("change", function () {
      if (error) { error.hidden = true; error.textContent = ""; }
      fieldset.classList.remove("has-error");
      answered(fieldset);
    });
  }

  function showMissing(summary, missing) {
    var list = summary.querySelector("ul");
    list.textContent = "";
    missing.forEach(function (question) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + question.question.id;
      link.textContent = question.message;
      item.appendChild(link);
      list.appendChild(item);
      question.question.classList.add("has-error");
      var error = question.question.querySelector(".field-error");
      if (error) { error.textContent = question.message; error.hidden = false; }
    });
    summary.hidden = false;
    summary.setAttribute("role", "alert");
  }

  // Once a question named in the summary is answered, its entry goes; when none is left, the
  // summary goes too (a message about the whole form, with no question to answer, stays).
  function answeredIn(summary) {
    return function (question) {
      if (!summary || summary.hidden) { return; }
      var list = summary.querySelector("ul");
      Array.prototype.forEach.call(list.querySelectorAll("a"), function (link) {
        if (link.getAttribute("href") === "#" + question.id) { list.removeChild(link.closest("li")); }
      });
      if (!list.querySelector("li")) {
        summary.hidden = true;
        summary.removeAttribute("role");
      }
    };
  }

  function enhance(form) {
    var summary = form.querySelector(".error-summary");
    var answered = answeredIn(summary);
    var lines = Array.prototype.map.call(form.querySelectorAll("[data-line]"), function (box) {
      return new Line(box, answered);
    });
    var choices = Array.prototype.map.call(form.querySelectorAll("[data-choice]"), function (set) {
      return new Choice(set, answered);
    });
    // Our messages replace the browser's bubbles, which cannot point at a custom slider.
    form.setAttribute("novalidate", "");
    form.addEventListener("submit", function (event) {
      var missing = lines.filter(function (line) { return line.required && line.units === null; })
        .concat(choices.filter(function (choice) { return choice.required && !choice.answered(); }));
      if (missing.length) {
        event.preventDefault();
        showMissing(summary, missing);
        missing[0].slider.focus();
        return;
      }
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
    });
    if (summary && !summary.hidden) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.measure").forEach(enhance);
  });
})();
