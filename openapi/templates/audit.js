// The audit report's findings table (audit.html.j2): sort, filter and page the embedded rows.
// Rows are arrays: [number, rule, severity, subaccount, first_seen, age_days, new, waived, message, waiver].
(function () {
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("audit-data").textContent);
  var ORDER = {critical: 4, high: 3, medium: 2, low: 1, info: 0};
  var SORTABLE = 9, PAGE = 100;
  var state = {key: 2, dir: -1, page: 0};
  var body = document.querySelector("#findings tbody");
  var info = document.getElementById("shown");
  var f = {};
  ["q", "rule", "sev", "sub", "state"].forEach(function (k) { f[k] = document.getElementById("f-" + k); });
  function options(select, values) {
    values.forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o);
    });
  }
  function distinct(i) {
    var seen = {}; D.rows.forEach(function (r) { seen[r[i]] = 1; }); return Object.keys(seen).sort();
  }
  options(f.rule, distinct(1));
  options(f.sev, ["critical", "high", "medium", "low", "info"]);
  options(f.sub, distinct(3));
  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"};
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return ENTITIES[c]; }); }
  var view = D.rows;
  function keep(r, q) {
    if (f.rule.value && r[1] !== f.rule.value) return false;
    if (f.sev.value && r[2] !== f.sev.value) return false;
    if (f.sub.value && r[3] !== f.sub.value) return false;
    var st = f.state.value;
    if ((st === "new" && !r[6]) || (st === "waived" && !r[7]) || (st === "open" && r[7])) return false;
    return !q || (r[0] + " " + r[8] + " " + r[9]).toLowerCase().indexOf(q) >= 0;
  }
  function apply() {
    var q = f.q.value.trim().toLowerCase(), k = state.key, d = state.dir;
    view = D.rows.filter(function (r) { return keep(r, q); });
    view.sort(function (a, b) {
      var x = a[k], y = b[k];
      if (k === 2) { x = ORDER[x]; y = ORDER[y]; }
      if (x < y) return -d;
      if (x > y) return d;
      return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
    });
    state.page = Math.min(state.page, Math.max(0, Math.ceil(view.length / PAGE) - 1));
    render();
  }
  function row(r) {
    var rule = D.rules[r[1]] || {};
    var cells = [
      esc(r[0]),
      '<a href="#rule-' + esc(r[1]) + '">' + esc(r[1]) + "</a>",
      '<span class="sev sev-' + esc(r[2]) + '">' + esc(r[2]) + "</span>",
      esc(r[3]), esc(r[4]), esc(r[5]), r[6] ? "new" : "", r[7] ? "waived: " + esc(r[9]) : "",
      esc(r[8])
    ];
    return "<tr><td>" + cells.join("</td><td>") + '</td><td class="fix">' + esc(rule.remediation || "") +
      "</td></tr>";
  }
  function render() {
    var start = state.page * PAGE, rows = view.slice(start, start + PAGE);
    body.innerHTML = rows.map(row).join("");
    info.textContent = view.length
      ? "showing " + (start + 1) + "-" + (start + rows.length) + " of " + view.length +
        " findings (" + D.rows.length + " in total)"
      : "no findings match";
    document.querySelectorAll("#findings th").forEach(function (th, i) {
      th.className = i === state.key ? (state.dir > 0 ? "sorted-asc" : "sorted-desc") : "";
    });
  }
  document.querySelectorAll("#findings th").forEach(function (th, i) {
    if (i >= SORTABLE) return;
    th.addEventListener("click", function () {
      if (state.key === i) { state.dir = -state.dir; } else { state.key = i; state.dir = i === 2 ? -1 : 1; }
      apply();
    });
  });
  Object.keys(f).forEach(function (k) {
    f[k].addEventListener("input", function () { state.page = 0; apply(); });
  });
  document.getElementById("prev").addEventListener("click", function () {
    if (state.page > 0) { state.page--; render(); }
  });
  document.getElementById("next").addEventListener("click", function () {
    if ((state.page + 1) * PAGE < view.length) { state.page++; render(); }
  });
  apply();
  document.body.setAttribute("data-render-ms", (performance.now() - t0).toFixed(1));
  document.body.setAttribute("data-loaded-ms", performance.now().toFixed(1));
  document.body.setAttribute("data-ready", "1");
})();
