// fengkou: small enhancements; every page works without them.
(function () {
  // Sortable tables: click a header to sort by that column (numbers by data-sort or text).
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var asc = !th.classList.contains('asc');
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove('asc', 'desc'); });
        th.classList.add(asc ? 'asc' : 'desc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (typeof x === 'number' && typeof y === 'number') return asc ? x - y : y - x;
          return asc ? String(x).localeCompare(String(y), 'zh') : String(y).localeCompare(String(x), 'zh');
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  function key(cell) {
    if (!cell) return '';
    var raw = cell.getAttribute('data-sort');
    var text = raw !== null ? raw : cell.textContent.trim().replace(/[,%]/g, '');
    var n = parseFloat(text);
    return isNaN(n) || !/^-?[\d.]+$/.test(text) ? cell.textContent.trim() : n;
  }
  document.querySelectorAll('[data-back]').forEach(function (a) {
    a.addEventListener('click', function (e) { e.preventDefault(); history.back(); });
  });
})();
