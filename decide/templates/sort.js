// Sort the task table by a column, filter it by search text, kind, tier and readiness, and follow a link
// from the tier x readiness grid. Without script the table is complete, worst first, as it is.
(function () {
  var table = document.getElementById("task-table");
  var form = document.getElementById("filters");
  if (!table || !form) { return; }
  var headers = table.tHead.rows[0].cells;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var shown = document.getElementById("shown");
  var fields = { kind: form.elements.kind, tier: form.elements.tier, readiness: form.elements.readiness };
  var search = form.elements.search;
  rows.forEach(function (row) { row.setAttribute("data-text", row.textContent.toLowerCase()); });

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-text");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      Object.keys(fields).forEach(function (name) {
        var wanted = fields[name].value;
        if (wanted && row.getAttribute("data-" + name) !== wanted) { match = false; }
      });
      row.hidden = !match;
      count += match ? 1 : 0;
    });
    shown.textContent = count === rows.length ? rows.length + (rows.length === 1 ? " task." : " tasks.")
      : "Showing " + count + " of " + rows.length + " tasks.";
  }

  function fromHash() {
    var wanted = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2) { wanted[parts[0]] = decodeURIComponent(parts[1]); }
    });
    if (!wanted.tier && !wanted.readiness && !wanted.kind) { return; }
    Object.keys(fields).forEach(function (name) { fields[name].value = wanted[name] || ""; });
    search.value = "";
    filter();
    table.scrollIntoView();
  }

  Array.prototype.forEach.call(headers, function (header, column) {
    var button = document.createElement("button");
    button.className = "sort";
    button.type = "button";
    button.textContent = header.textContent;
    header.textContent = "";
    header.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort") || a.cells[column].textContent;
        var y = b.cells[column].getAttribute("data-sort") || b.cells[column].textContent;
        var order = (isNaN(x) || isNaN(y)) ? x.localeCompare(y) : Number(x) - Number(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  form.hidden = false;
  form.addEventListener("input", filter);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(filter, 0); });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
