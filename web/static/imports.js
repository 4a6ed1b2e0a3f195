// Live progress of an import job: poll its JSON until it finishes, then reload once to show
// the rejected records.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") return;
  var url = box.dataset.url;
  function set(selector, value) {
    var el = box.querySelector(selector);
    if (el) el.textContent = value;
  }
  function tick() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        set('[data-field="status"]', job.status);
        set('[data-field="done"]', job.progress.done);
        set('[data-field="total"]', job.progress.total === null ? "?" : job.progress.total);
        set('[data-field="message"]', job.message || "");
        Object.keys(job.counts).forEach(function (k) { set('[data-count="' + k + '"]', job.counts[k]); });
        var pct = job.progress.percent || 0;
        box.querySelector("progress.progress").value = pct;
        if (["done", "failed", "cancelled"].indexOf(job.status) >= 0) {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 500);
})();
