// Institution pickers of the administration pages: a text field marked data-institution-picker
// (an institution's name or org-N id; the server resolves it) becomes an ARIA 1.2 combobox that
// offers institution names from /api/v1/suggest?type=institution as one types. Arrow keys move,
// Enter picks (without sending the form), Escape closes. Without scripts the field still takes a
// typed name.
(function () {
  if (!window.fetch) return;
  var fields = document.querySelectorAll("input[data-institution-picker]");
  Array.prototype.forEach.call(fields, function (input, n) {
    var wrap = document.createElement("div");
    wrap.className = "typeahead";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.id = (input.id || "institution-" + n) + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels.length ? input.labels[0].textContent : "institutions");
    list.hidden = true;
    wrap.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var timer = null, items = [], active = -1, last = input.value.trim();

    function optionId(i) { return list.id + "-" + i; }
    function close() {
      items = []; active = -1; list.hidden = true; list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function render() {
      list.innerHTML = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = optionId(i);
        li.textContent = item.text;
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        if (i === active) li.className = "active";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      if (active >= 0 && items.length) input.setAttribute("aria-activedescendant", optionId(active));
      else input.removeAttribute("aria-activedescendant");
    }
    function pick(i) {
      input.value = items[i].text;
      last = input.value.trim();
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function load() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (!q) { close(); return; }
      fetch("/api/v1/suggest?type=institution&size=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) {
          if (input.value.trim() !== q) return;
          items = (data || []).filter(function (s) { return s.record_type === "institution"; });
          active = -1;
          render();
        })
        .catch(close);
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { pick(active); e.preventDefault(); }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();
