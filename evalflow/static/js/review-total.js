/* The review's weighted total, recomputed as scores are typed.
 * Same formula as evalflow/reviews/scoring.py::weighted_total: sum(w·s) / sum(w) over the
 * criteria scored so far. Progressive enhancement: without this script the page shows the
 * total of the saved draft. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-review-form]");
  var output = document.getElementById("review-total");
  if (!form || !output) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-weight]"));
  var lang = document.documentElement.lang || "es";
  var format = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var NUMBER = /^-?[0-9]{1,6}(\.[0-9]{1,4})?$/;

  function score(input) {
    var text = input.value.trim();
    if (!NUMBER.test(text)) { return null; }
    var value = Number(text);
    // A score outside the scale will be refused when saved, so it does not count here.
    if (input.min !== "" && value < Number(input.min)) { return null; }
    if (input.max !== "" && value > Number(input.max)) { return null; }
    return value;
  }

  function update() {
    var weights = 0;
    var weighted = 0;
    inputs.forEach(function (input) {
      var value = score(input);
      var weight = Number(input.getAttribute("data-weight"));
      if (value === null || !isFinite(weight)) { return; }
      weights += weight;
      weighted += weight * value;
    });
    var text = weights > 0 ? format.format(Math.round(weighted / weights * 10000) / 10000) : "—";
    if (output.textContent !== text) { output.textContent = text; }
  }

  form.addEventListener("input", update);
  update();
}());
