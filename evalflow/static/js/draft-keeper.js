// Keeps what is typed in the draft form in localStorage, so a failed save or a session that
// expired mid-edit loses nothing. The kept copy remembers which server version it was typed
// over: when the page loads with that same version and different contents, it offers to
// restore them; when the server has a newer version (a save went through), the copy is
// dropped. Comparing server versions, not clocks, keeps a wrong computer clock harmless.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-key]");
  if (!form || !window.localStorage) return;
  var key = form.dataset.draftKey;
  var base = form.dataset.serverSaved;
  var offer = document.getElementById("draft-keeper-offer");

  function fields() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "file") return;
      values[el.name] = el.value;
    });
    return values;
  }

  function same(a, b) {
    var keys = Object.keys(a).concat(Object.keys(b));
    return keys.every(function (k) { return (a[k] || "") === (b[k] || ""); });
  }

  function read() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function keep() {
    try {
      localStorage.setItem(key, JSON.stringify({ base: base, at: Date.now(), values: fields() }));
    } catch (e) { /* storage full or disabled: the explicit save still works */ }
  }

  function addLine() {
    var button = form.querySelector("[data-add-line]");
    if (button) button.click();
  }

  function restore(values) {
    // Budget lines may be more than the page shows: add rows until every kept one has a place.
    var names = Object.keys(values);
    var guard = 0;
    while (guard++ < 200 && names.some(function (n) { return !form.elements[n]; })) {
      var before = form.elements.length;
      addLine();
      if (form.elements.length === before) break;
    }
    // Rows added here get fresh indices; fill missing lines in order into empty rows.
    var spare = Array.prototype.filter.call(form.querySelectorAll("input[name^='budget_lines-']"),
      function (el) { return !(el.name in values); });
    names.forEach(function (name) {
      var el = form.elements[name];
      if (el) { el.value = values[name]; return; }
      var suffix = name.slice(name.lastIndexOf("-"));
      var target = spare.find(function (s) { return s.name.endsWith(suffix) && !s.value; });
      if (target) target.value = values[name];
    });
    form.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var kept = read();
  if (kept && kept.base !== base && kept.base < base) {
    localStorage.removeItem(key);  // the server copy is newer: a save went through
  } else if (kept && !same(kept.values, fields()) && offer) {
    offer.hidden = false;
    offer.addEventListener("click", function (event) {
      var action = event.target.dataset && event.target.dataset.keeper;
      if (action === "restore") restore(kept.values);
      if (action === "discard") localStorage.removeItem(key);
      if (action) { offer.hidden = true; form.querySelector("input, select, textarea").focus(); }
    });
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
})();
