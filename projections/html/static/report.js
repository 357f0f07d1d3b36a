(function () {
  // Sortable tables: a button in each head cell sorts the rows by that column's data-sort.
  // A cell sorts by its data-sort, or by its text when that is the value (numbers, times).
  function key(cell) {
    var given = cell.getAttribute("data-sort");
    return given === null ? cell.textContent.trim() : given;
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.getAttribute("data-type") === "number";
        rows.sort(function (a, b) {
          var x = key(a.cells[index]);
          var y = key(b.cells[index]);
          var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  // The index's filter: shown only when this script runs; without it the full table stays.
  var form = document.getElementById("filters");
  var table = document.getElementById("overview-table");
  if (!form || !table) { return; }
  form.hidden = false;
  var search = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var shown = document.getElementById("filter-count");
  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = status.value;
    var count = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var text = row.textContent.toLowerCase();
      var ok = (!wanted || row.getAttribute("data-status") === wanted) &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " shown";
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  search.addEventListener("input", apply);
  status.addEventListener("change", apply);
  apply();
})();
