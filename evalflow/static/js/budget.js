// Budget lines added and removed without a reload, and a running total against the requested
// amount, announced politely to screen readers. Without this script the same buttons submit
// the form and the server adds or removes the line, keeping everything typed.
(function () {
  "use strict";
  var fieldset = document.querySelector("[data-budget]");
  var form = document.getElementById("proposal-form");
  if (!fieldset || !form) return;
  var body = fieldset.querySelector("[data-budget-lines]");
  var output = fieldset.querySelector("[data-budget-total]");
  var template = document.getElementById("budget-line-template");
  var requested = document.getElementById("requested_amount");
  var text = JSON.parse(document.getElementById("budget-text").textContent);
  var currency = fieldset.dataset.currency || "MXN";
  var MONEY = /^[0-9]{1,12}(\.[0-9]{1,2})?$/;  // the server's rule, for the running total only

  function cents(value) {
    value = (value || "").trim();
    if (!MONEY.test(value)) return null;
    var parts = value.split(".");
    var decimals = ((parts[1] || "") + "00").slice(0, 2);
    return BigInt(parts[0]) * 100n + BigInt(decimals);
  }

  function show(amount) {
    // Written as the server writes money ($980,000.00), from exact cents: no float.
    var negative = amount < 0n;
    if (negative) amount = -amount;
    var whole = (amount / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var figures = whole + "." + (amount % 100n).toString().padStart(2, "0");
    var text = currency === "MXN" ? "$" + figures : figures + " " + currency;
    return negative ? "−" + text : text;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function update() {
    var total = 0n;
    var invalid = false;
    body.querySelectorAll("input[name$='-amount']").forEach(function (input) {
      if (!input.value.trim()) return;
      var value = cents(input.value);
      if (value === null) invalid = true; else total += value;
    });
    var wanted = cents(requested ? requested.value : "");
    var message = fill(text.total, {
      total: show(total), requested: wanted === null ? "—" : show(wanted)
    });
    if (invalid) message += " " + text.invalid;
    else if (wanted !== null && wanted === total) message += " " + text.match;
    else if (wanted !== null) message += " " + fill(text.differs, { difference: show(wanted - total) });
    var cap = cents(fieldset.dataset.cap);
    if (wanted !== null && cap !== null && wanted > cap) message += " " + fill(text.over_cap, { cap: show(cap) });
    output.textContent = message;
  }

  function nextIndex() {
    var highest = -1;
    body.querySelectorAll("input[name^='budget_lines-']").forEach(function (input) {
      var n = parseInt(input.name.split("-")[1], 10);
      if (n > highest) highest = n;
    });
    return highest + 1;
  }

  function renumberLabels() {
    body.querySelectorAll("[data-budget-line]").forEach(function (row, position) {
      row.querySelectorAll("label").forEach(function (label) {
        label.textContent = label.textContent.replace(/\d+\s*$/, String(position + 1));
      });
    });
  }

  fieldset.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-line]");
    var remove = event.target.closest("[data-remove-line]");
    if (add) {
      event.preventDefault();
      var i = nextIndex();
      var rows = body.querySelectorAll("[data-budget-line]").length;
      var html = template.innerHTML.replace(/__i__/g, String(i)).replace(/__n__/g, String(rows + 1));
      body.insertAdjacentHTML("beforeend", html);
      var row = body.lastElementChild;
      row.querySelector("input").focus();
      output.textContent = text.added;
      update();
      form.dispatchEvent(new Event("input", { bubbles: true }));
    } else if (remove) {
      event.preventDefault();
      var line = remove.closest("[data-budget-line]");
      var next = line.nextElementSibling || line.previousElementSibling;
      line.remove();
      renumberLabels();
      if (next) next.querySelector("input").focus(); else fieldset.querySelector("[data-add-line]").focus();
      update();
      output.textContent = text.removed + " " + output.textContent;
      form.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });
  form.addEventListener("input", function (event) {
    if (event.target === requested || (event.target.name || "").endsWith("-amount")) update();
  });
  update();
})();
