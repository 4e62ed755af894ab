// The letters page follows a running batch: it asks for the batch's progress every two
// seconds, moves the bar and the counts, and reloads once the batch ends (to list the issued
// and failed letters). Without this script the page refreshes itself (<noscript> meta).
(function () {
  "use strict";
  var section = document.getElementById("batch");
  if (!section || !section.dataset.progressUrl || !window.fetch) return;
  var bar = document.getElementById("batch-progress");
  var counts = document.getElementById("batch-counts");
  var text = JSON.parse(document.getElementById("batch-text").textContent);
  var INTERVAL = 2000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function show(batch) {
    bar.max = batch.owed || 1;
    bar.value = batch.issued + batch.failed;
    var line = fill(text.counts, batch);
    if (counts.textContent !== line) counts.textContent = line;
  }

  function poll() {
    fetch(section.dataset.progressUrl, {headers: {"Accept": "application/json"},
                                        credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        var batch = data.batch;
        if (!batch) return;
        show(batch);
        if (batch.live && String(batch.id) === section.dataset.batchId) {
          window.setTimeout(poll, INTERVAL);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 5); });
  }

  window.setTimeout(poll, INTERVAL);
})();
