// The call designer: add and remove rows without a round trip, and the rubric's live weight sum.
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  if (!form) return;
  var text = JSON.parse(document.getElementById("designer-text").textContent);
  var NUMBER = /^\d+(\.\d{1,4})?$/;

  function renumber(fieldset) {
    var name = fieldset.getAttribute("data-rows");
    fieldset.querySelectorAll("[data-row-list] [data-row]").forEach(function (row, i) {
      row.querySelectorAll("input, label, button").forEach(function (el) {
        ["id", "name", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(new RegExp("^" + name + "-\\d+-"), name + "-" + i + "-"));
        });
        if (el.matches("[data-remove-row]")) el.value = "remove-" + name + "-" + i;
      });
    });
  }

  function weights() {
    var out = document.querySelector("[data-weight-total]");
    if (!out) return;
    var total = 0, invalid = false, any = false;
    form.querySelectorAll("[data-rows=criteria] [data-row-list] input[name$='-weight']").forEach(function (input) {
      var value = input.value.trim();
      if (!value) return;
      any = true;
      if (!NUMBER.test(value)) { invalid = true; return; }
      total += Number(value);
    });
    if (invalid) { out.textContent = text.invalid; return; }
    if (!any) { out.textContent = ""; return; }
    var rounded = Math.round(total * 10000) / 10000;
    var ok = Math.abs(rounded - 1) <= 0.001 || Math.abs(rounded - 100) <= 0.1;
    out.textContent = (ok ? text.ok : text.bad).replace("{total}", String(rounded));
    out.classList.toggle("error", !ok);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var fieldset = button.closest("[data-rows]");
    if (!fieldset) return;
    var list = fieldset.querySelector("[data-row-list]");
    if (button.matches("[data-add-row]")) {
      event.preventDefault();
      var n = list.querySelectorAll("[data-row]").length;
      var html = fieldset.querySelector("template[data-row-template]").innerHTML
        .replace(/__i__/g, String(n)).replace(/__n__/g, String(n + 1));
      list.insertAdjacentHTML("beforeend", html);
      var added = list.lastElementChild.querySelector("input");
      if (added) added.focus();
    } else if (button.matches("[data-remove-row]")) {
      event.preventDefault();
      button.closest("[data-row]").remove();
      renumber(fieldset);
      weights();
    }
  });
  form.addEventListener("input", function (event) {
    if (event.target.matches("input[name$='-weight']")) weights();
  });
  weights();
})();
