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

  function Line(box) {
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
    }

    function fromPointer(event) {
      var rect = track.getBoundingClientRect();
      var ratio = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      set(Math.round(lowest + ratio * (highest - lowest)));
    }

    // Mouse and pen set the mark at once; a finger sets it when it lifts or drags sideways, so
    // scrolling the page past a line never answers it by accident (touch-action: pan-y).
    var pressed = false;
    slider.addEventListener("pointerdown", function (event) {
      if (event.button > 0) { return; }
      pressed = true;
      slider.focus();
      if (slider.setPointerCapture) { slider.setPointerCapture(event.pointerId); }
      if (event.pointerType !== "touch") { fromPointer(event); }
      event.preventDefault();
    });
    slider.addEventListener("pointermove", function (event) { if (pressed) { fromPointer(event); } });
    slider.addEventListener("pointerup", function (event) {
      if (pressed) { fromPointer(event); }
      pressed = false;
    });
    slider.addEventListener("pointercancel", function () { pressed = false; });

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

  function Choice(fieldset) {
    var error = fieldset.querySelector(".field-error");
    this.question = fieldset;
    this.slider = fieldset.querySelector("input");
    this.required = fieldset.hasAttribute("data-required");
    this.message = fieldset.dataset.missing;
    this.answered = function () { return fieldset.querySelector("input:checked") !== null; };
    fieldset.addEventListener("change", function () {
      if (error) { error.hidden = true; error.textContent = ""; }
      fieldset.classList.remove("has-error");
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

  function enhance(form) {
    var summary = form.querySelector(".error-summary");
    var lines = Array.prototype.map.call(form.querySelectorAll("[data-line]"), function (box) {
      return new Line(box);
    });
    var choices = Array.prototype.map.call(form.querySelectorAll("[data-choice]"), function (set) {
      return new Choice(set);
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
