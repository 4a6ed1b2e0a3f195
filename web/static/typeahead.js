// Type-ahead for the search box: suggestions (titles, keywords, institutions) from
// /api/v1/suggest as the user types; arrow keys move, Enter picks, Escape closes. The input is an
// ARIA 1.2 combobox: aria-expanded says whether the list shows, aria-activedescendant names the
// option the arrow keys are on (focus stays in the input).
(function () {
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) return;
  var list = document.getElementById(input.getAttribute("aria-controls"));
  var timer = null, items = [], active = -1, last = "";

  function close() {
    list.hidden = true; active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function render() {
    list.innerHTML = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "suggestion-" + i;
      li.textContent = item.text;
      li.dataset.type = item.record_type;
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) li.className = "active";
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    if (active >= 0 && items.length) input.setAttribute("aria-activedescendant", "suggestion-" + active);
    else input.removeAttribute("aria-activedescendant");
  }
  function pick(i) {
    input.value = items[i].text;
    close();
    input.form.submit();
  }
  function load() {
    var q = input.value.trim();
    if (q === last) return;
    last = q;
    if (!q) { items = []; render(); return; }
    var url = input.dataset.suggest + "?q=" + encodeURIComponent(q) + "&type=" + encodeURIComponent(input.dataset.type) + "&size=8";
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) {
        if (input.value.trim() !== q) return;
        items = data.suggestions || data || [];
        active = -1;
        list.dataset.query = q; // which words the list answers (an earlier word's list may show until then)
        render();
      })
      .catch(function () { items = []; render(); });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { active = (active + 1) % items.length; render(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { pick(active); e.preventDefault(); }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
