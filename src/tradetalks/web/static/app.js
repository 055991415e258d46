// tradetalks browser UI: plain JS over the JSON API; charts with the vendored Plotly.js basic bundle.
// Issue 14: honest state (pending / stale + error, superseded requests aborted), the state in the URL,
// exports (CSV, JSON, PNG), a compare view, text tables for every chart, heavy work as jobs.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 2) => (v === null || v === undefined || !isFinite(v) ? "–" : Number(v).toFixed(d));
const state = { defaults: null, impact: null, spec: null, frontier: null, tariffOnly: null, job: null, fjob: null };
// what the tests read: aborted superseded requests, finished evaluations
window.ttStats = { aborted: 0, evaluations: 0 };
// no cloud: no "Share chart"/"Edit in Chart Studio", no mode bar (nothing in the tab order); PNG via our export
const CFG = { displaylogo: false, responsive: true, displayModeBar: false, showSendToCloud: false,
              showEditInChartStudio: false, showLink: false, scrollZoom: false };
const US_C = "#1f5fa8", JP_C = "#c0392b";
// legends above the plot area, right-aligned (never over the data); titles left-aligned
const LEGEND_BELOW = { orientation: "h", x: 1, xanchor: "right", y: 1.0, yanchor: "bottom", bgcolor: "rgba(0,0,0,0)" };
const TITLE = (text) => ({ text, x: 0.01, xanchor: "left", font: { size: 13 } });

async function api(path, opts = {}) {
  const r = await fetch(path, { ...opts, headers: { "content-type": "application/json", ...(opts.headers || {}) } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(readable(r.status, body));
  return body;
}
function readable(code, body) {
  const d = body && body.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ");
  return `the server answered ${code}${d ? ": " + JSON.stringify(d) : ""}`;
}
function status(text) { $("status").textContent = text; }
const sleep = (ms, signal) => new Promise((done, fail) => {
  const t = setTimeout(done, ms);
  if (signal) signal.addEventListener("abort", () => { clearTimeout(t); fail(new DOMException("aborted", "AbortError")); });
});
function token() { return $("m-token").value; }
const auth = () => (token() ? { authorization: `Bearer ${token()}` } : {});

// Follow a background job (GET /api/jobs/{id}) until it ends; progress to a <progress> and the status line.
async function followJob(id, bar, label, signal) {
  for (;;) {
    const j = await api(`/api/jobs/${id}`, { signal });
    bar.value = j.progress || 0;
    status(`${label}: ${j.message || j.status} (${Math.round(100 * (j.progress || 0))} %)`);
    if (j.status === "done") return j.result;
    if (j.status === "failed" || j.status === "cancelled") throw new Error(j.error || `the job was ${j.status}`);
    await sleep(400, signal);
  }
}

// ---- tables (text alternatives of every chart) -------------------------------------------
function escapeHtml(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }
function tableHtml(head, rows) {
  return `<table class="table"><thead><tr>${head.map((h, i) => `<th scope="col"${i ? ' class="num"' : ""}>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c, i) => (i ? `<td class="num">${c}</td>` : `<th scope="row">${escapeHtml(c)}</th>`)).join("")}</tr>`).join("") + "</tbody></table>";
}
// bar charts: one row per category, one column per trace
function chartTable(traces, xname) {
  const cats = traces[0].x.map((c) => String(c).replace("<br>", " "));
  const cell = (t, i) => {
    const e = t.error_y;
    if (!e || (!e.array[i] && !e.arrayminus[i])) return fmt(t.y[i], 3);
    return `${fmt(t.y[i], 3)} (5–95 %: ${fmt(t.y[i] - e.arrayminus[i], 3)} to ${fmt(t.y[i] + e.array[i], 3)})`;
  };
  return tableHtml([xname, ...traces.map((t) => t.name)], cats.map((c, i) => [String(c), ...traces.map((t) => cell(t, i))]));
}
// scatter charts: one row per point (with its 5–95 % range when the point has error bars)
function pointsTable(traces, xl, yl) {
  const rows = [];
  const cell = (v, e, i) => (e && (e.array[i] || e.arrayminus[i]) ? `${fmt(v, 3)} (5–95 %: ${fmt(v - e.arrayminus[i], 3)} to ${fmt(v + e.array[i], 3)})` : fmt(v, 3));
  traces.forEach((t) => t.x.forEach((x, i) => rows.push([t.name, cell(x, t.error_x, i), cell(t.y[i], t.error_y, i)])));
  return tableHtml(["series", xl, yl], rows);
}
function draw(id, traces, layout) {
  if (!window.Plotly) return;
  Plotly.react(id, traces, { ...layout, font: { family: "system-ui, DejaVu Sans, sans-serif", size: 12 } }, CFG);
}

// ---- tabs ----------------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll(".tab").forEach((x) => {
    const on = x.dataset.tab === name;
    x.classList.toggle("active", on);
    if (on) x.setAttribute("aria-current", "page"); else x.removeAttribute("aria-current");
  });
  document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === `view-${name}`));
  state.tab = name;
  if (name === "frontier" && !state.frontier && !state.fjob) traceFrontier();
  if (name === "timeline" && !state.timeline) loadTimeline();
  if (name === "compare") compare();
  window.dispatchEvent(new Event("resize"));
}
document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => { showTab(b.dataset.tab); pushUrl(); }));

// ---- package builder -----------------------------------------------------------------------
// The desk sends a built-in scenario ("base": its dated tariffs and side items) plus the sliders the user
// moved; an untouched slider keeps the base's value. The server builds the one Package from it
// (tradetalks.web.desk.desk_package): no tariff, level or increment logic lives here.
const SLIDERS = ["auto", "recip", "jp", "agri", "energy", "invest"];
const FIELD = { auto: "us_auto_tariff_pct", recip: "us_reciprocal_pct", agri: "purchases_agriculture_usd_bn",
                energy: "purchases_energy_usd_bn", invest: "investment_usd_bn" };
const UNIT = { auto: "%", recip: "%", jp: "pp", agri: "US$ bn a year", energy: "US$ bn a year", invest: "US$ bn" };
const BASES = { "p-base": "jp-us-2024-baseline", "p-april": "jp-us-2025-04", "p-deal": "jp-us-deal", "p-nodeal": "jp-us-no-deal" };
const BASE_LABEL = { "jp-us-2024-baseline": "2014 rates", "jp-us-2025-04": "April 2025", "jp-us-deal": "July 2025 deal", "jp-us-no-deal": "no deal" };
const SELECTS = { stack: "s-stack", pm: "s-pmeaning", im: "s-imode", years: "s-years", nodeal: "f-nodeal", pts: "f-points", unc: "s-unc" };
state.base = "jp-us-2024-baseline";
state.touched = new Set();

function packageSpec() {
  const spec = {
    base: state.base,
    reciprocal_stacking: $("s-stack").value,
    jp_tariff_change_pp: +$("s-jp").value,
    purchase_meaning: $("s-pmeaning").value,
    investment_years: Math.min(30, Math.max(0.5, +$("s-years").value || 3.5)),
    investment_mode: $("s-imode").value,
  };
  for (const [k, f] of Object.entries(FIELD)) { if (state.touched.has(k)) spec[f] = +$(`s-${k}`).value; }
  // issue 13: 5-95 % bands over elasticity draws x side-item cases (sent only when asked for)
  const unc = +$("s-unc").value;
  if (unc > 0) spec.uncertainty = unc;
  return spec;
}
function showOutputs() {
  SLIDERS.forEach((k) => {
    const text = (k in FIELD && !state.touched.has(k)) ? "as in the base" : `${$(`s-${k}`).value} ${UNIT[k]}`;
    $(`o-${k}`).textContent = text;
    $(`s-${k}`).setAttribute("aria-valuetext", text);
  });
  $("base-note").textContent = `Base: ${BASE_LABEL[state.base] || state.base} (${state.base}); moved sliders apply on top.`;
}

// ---- the state in the URL (shareable, survives reload, back button) ------------------------
function urlOf() {
  const q = new URLSearchParams();
  if (state.tab && state.tab !== "package") q.set("tab", state.tab);
  q.set("base", state.base);
  SLIDERS.forEach((k) => { if (k === "jp" ? +$("s-jp").value !== 0 : state.touched.has(k)) q.set(k, $(`s-${k}`).value); });
  for (const [k, id] of Object.entries(SELECTS)) { const el = $(id); if (el.value !== el.dataset.initial) q.set(k, el.value); }
  return `${location.pathname}?${q.toString()}`;
}
function pushUrl(replace = false) {
  const u = urlOf();
  if (u === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", u); else history.pushState(null, "", u);
}
function applyUrl() {
  const q = new URLSearchParams(location.search);
  state.base = Object.values(BASES).includes(q.get("base")) ? q.get("base") : "jp-us-2024-baseline";
  state.touched = new Set();
  $("s-jp").value = 0;
  SLIDERS.forEach((k) => { if (q.has(k) && isFinite(+q.get(k))) { $(`s-${k}`).value = +q.get(k); if (k in FIELD) state.touched.add(k); } });
  for (const [k, id] of Object.entries(SELECTS)) { $(id).value = q.has(k) ? q.get(k) : $(id).dataset.initial; }
  return q.get("tab") || "package";
}
Object.values(SELECTS).forEach((id) => { $(id).dataset.initial = $(id).value; });
window.addEventListener("popstate", () => { const tab = applyUrl(); showOutputs(); evaluate(); showTab(tab); });

let timer = null;
function schedule() { showOutputs(); clearTimeout(timer); timer = setTimeout(evaluate, 120); }
// a drag is one history entry: the first input pushes, the following ones replace, "change" ends it
let dragging = false;
SLIDERS.forEach((k) => {
  $(`s-${k}`).addEventListener("input", () => { state.touched.add(k); pushUrl(dragging); dragging = true; schedule(); });
  $(`s-${k}`).addEventListener("change", () => { dragging = false; pushUrl(true); });
});
// stacking, purchase meaning, years and valuation apply to the sliders' instruments (the base's own
// side items keep their stated terms until their slider is moved)
["s-stack", "s-pmeaning", "s-years", "s-imode", "s-unc"].forEach((id) => $(id).addEventListener("change", () => { pushUrl(); schedule(); }));
$("controls").addEventListener("submit", (e) => e.preventDefault());

function setBase(name) {
  state.base = name;
  state.touched = new Set();
  $("s-jp").value = 0;
  pushUrl();
  schedule();
}
for (const [id, name] of Object.entries(BASES)) $(id).onclick = () => setBase(name);

// Honest state: "pending" while a request is in flight; on failure the numbers stay visibly stale (greyed,
// struck through) with the error next to them; a newer request aborts the one it supersedes.
function setResultState(kind, message = "") {
  const r = $("results");
  r.dataset.state = kind;
  r.classList.toggle("pending", kind === "pending");
  r.classList.toggle("stale", kind === "error");
  r.setAttribute("aria-busy", kind === "pending" ? "true" : "false");
  if (kind === "error") {
    $("error").hidden = false;
    $("error").textContent = `Could not evaluate the current inputs: ${message}. ` +
      (state.impact ? "The greyed numbers below belong to the previous inputs." : "");
  } else if (kind === "ok") { $("error").hidden = true; $("error").textContent = ""; }
  ["x-csv", "x-json", "x-png"].forEach((id) => { $(id).disabled = kind !== "ok"; });
}

async function evaluate() {
  if (state.ctrl) state.ctrl.abort();
  const ctrl = new AbortController();
  state.ctrl = ctrl;
  const spec = packageSpec();
  setResultState("pending");
  status("evaluating the package…");
  try {
    const im = await api("/api/package/evaluate", { method: "POST", body: JSON.stringify(spec), signal: ctrl.signal });
    if (ctrl !== state.ctrl) return;
    state.impact = im;
    state.spec = spec;
    state.tariffOnly = null;
    renderImpact(im);
    setResultState("ok");
    window.ttStats.evaluations += 1;
    status(`solved (${im.converged ? "converged" : "NOT converged"}, residual ${im.residual.toExponential(1)}): US welfare ${fmt(im.us.welfare_ev_usd_bn, 1)}, Japan ${fmt(im.jp.welfare_ev_usd_bn, 1)} US$ bn a year`);
    if (state.frontier) drawFrontier();
    if (state.tab === "compare") compare();
  } catch (e) {
    if (e.name === "AbortError") { window.ttStats.aborted += 1; return; }
    if (ctrl !== state.ctrl) return;
    setResultState("error", e.message);
    status(`error: ${e.message}`);
  }
}

// What the impact chart plots: each bar's label names the field it shows (tests/test_package_paths.py).
const IMPACT_BARS = [
  { label: "welfare (% of gross absorption)", field: "welfare_pct" },
  { label: "real wage", field: "real_wage_pct" },
  { label: "nominal wage", field: "wage_pct" },
  { label: "auto output", field: "auto_output_pct" },
];
// uncertainty: a side field "<field>_band" = [low, high] (e.g. from the sweep layer) becomes an error bar
function band(side, field) {
  const b = side[`${field}_band`];
  if (!Array.isArray(b) || b.length !== 2) return null;
  return { plus: Math.max(0, b[1] - side[field]), minus: Math.max(0, side[field] - b[0]) };
}
function withBandList(trace, bs) {
  if (bs.every((b) => b === null)) return trace;
  return { ...trace, error_y: { type: "data", symmetric: false, array: bs.map((b) => (b ? b.plus : 0)), arrayminus: bs.map((b) => (b ? b.minus : 0)), color: "#333", thickness: 1.5, width: 4 } };
}
function withBands(trace, side, fields) { return withBandList(trace, fields.map((f) => band(side, f))); }
// the KPI text of a figure with its band: "v (5–95 %: lo to hi)"
function withRange(v, b, d) { return Array.isArray(b) ? `${fmt(v, d)} (5–95 %: ${fmt(b[0], d)} to ${fmt(b[1], d)})` : fmt(v, d); }
function bandNote(im) {
  const u = im.uncertainty;
  $("band-note").hidden = !u;
  if (!u) { $("band-note").textContent = ""; return; }
  const sides = Object.keys(u.side_cases || {}).join("/");
  $("band-note").textContent = `Whiskers and ranges: 5–95 % band over ${u.n_draws} Monte Carlo draws of the elasticities ` +
    `(seed ${u.seed}; ${u.dispersion}) × side-item cases ${sides}; ${u.n_converged} of ${u.n_solves} solves converged ` +
    `(${fmt(100 * u.share_converged, 1)} %; the others are left out of the band, never dropped silently).`;
}
function renderImpact(im) {
  $("k-us-welfare").textContent = withRange(im.us.welfare_ev_usd_bn, im.us.welfare_ev_usd_bn_band, 1);
  $("k-jp-welfare").textContent = withRange(im.jp.welfare_ev_usd_bn, im.jp.welfare_ev_usd_bn_band, 1);
  $("k-us-welfare-pct").textContent = fmt(im.us.welfare_pct, 3);
  $("k-jp-welfare-pct").textContent = fmt(im.jp.welfare_pct, 3);
  $("k-balance-before").textContent = fmt(im.balance_before_usd_bn, 1);
  $("k-balance-after").textContent = withRange(im.balance_after_usd_bn, im.balance_after_usd_bn_band, 1);
  bandNote(im);
  $("k-us-auto").textContent = fmt(im.us.auto_output_pct, 2);
  $("k-jp-auto").textContent = fmt(im.jp.auto_output_pct, 2);
  $("k-us-rev").textContent = `${fmt(im.us.revenue_base_usd_bn, 1)} → ${fmt(im.us.revenue_new_usd_bn, 1)}`;
  $("k-jp-rev").textContent = `${fmt(im.jp.revenue_base_usd_bn, 1)} → ${fmt(im.jp.revenue_new_usd_bn, 1)}`;
  const cats = IMPACT_BARS.map((b) => b.label.replace(" (", "<br>("));
  const fields = IMPACT_BARS.map((b) => b.field);
  const ti = [
    withBands({ type: "bar", name: "United States", x: cats, y: fields.map((f) => im.us[f]), marker: { color: US_C } }, im.us, fields),
    withBands({ type: "bar", name: "Japan", x: cats, y: fields.map((f) => im.jp[f]), marker: { color: JP_C } }, im.jp, fields),
  ];
  draw("c-impact", ti, { title: TITLE("Impact on both sides"), barmode: "group", margin: { l: 55, r: 10, t: 40, b: 10 },
    yaxis: { title: { text: "change, %" }, zeroline: true, automargin: true }, xaxis: { automargin: true }, legend: LEGEND_BELOW });
  $("a-impact").innerHTML = chartTable(ti, "measure (change, %)");
  const tb = [withBandList({ type: "bar", name: "US trade balance with Japan, US$ bn", x: ["before", "after"], y: [im.balance_before_usd_bn, im.balance_after_usd_bn],
    marker: { color: ["#8aa1b9", US_C] }, text: [fmt(im.balance_before_usd_bn, 1), fmt(im.balance_after_usd_bn, 1)], textposition: "auto" },
    [null, band(im, "balance_after_usd_bn")])];
  draw("c-balance", tb, { title: TITLE("US trade balance with Japan"), margin: { l: 55, r: 10, t: 40, b: 10 },
    yaxis: { title: { text: "US$ bn a year (negative = deficit)" }, automargin: true }, xaxis: { automargin: true }, showlegend: false });
  $("a-balance").innerHTML = chartTable(tb, "when");
  const secs = im.sectors.map((s) => s.sector.replace(/_/g, " "));
  const ts = [
    withBandList({ type: "bar", name: "United States", x: secs, y: im.sectors.map((s) => s.usa_output_pct), marker: { color: US_C } },
      im.sectors.map((s) => band(s, "usa_output_pct"))),
    withBandList({ type: "bar", name: "Japan", x: secs, y: im.sectors.map((s) => s.jpn_output_pct), marker: { color: JP_C } },
      im.sectors.map((s) => band(s, "jpn_output_pct"))),
  ];
  draw("c-sectors", ts, { title: TITLE("Output by sector"), barmode: "group", margin: { l: 55, r: 10, t: 40, b: 10 },
    yaxis: { title: { text: "output change, %" }, automargin: true }, xaxis: { title: { text: `sector (${im.dataset} data)` }, tickangle: -35, automargin: true }, legend: LEGEND_BELOW });
  $("a-sectors").innerHTML = chartTable(ts, "sector (output change, %)");
  $("assumptions").innerHTML = im.assumptions.map((a) => `<li>${escapeHtml(a)}</li>`).join("");
}

// ---- exports (the current result: the JSON API's answer, flattened for CSV; the impact chart as PNG) ----
function download(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.textContent = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  status(`exported ${name}`);
}
function unitOf(key) {
  if (/_pct$/.test(key)) return "%";
  if (/_usd_bn$|_bn$/.test(key)) return "US$ bn";
  if (/_pp$/.test(key)) return "pp";
  return "";
}
function flatten(obj, prefix = "", out = []) {
  if (obj !== null && typeof obj === "object") {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, obj]);
  return out;
}
const csvCell = (v) => { const s = v === null || v === undefined ? "" : String(v); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
$("x-json").onclick = () => download("tradetalks-package.json",
  new Blob([JSON.stringify({ request: state.spec, result: state.impact }, null, 2)], { type: "application/json" }));
$("x-csv").onclick = () => {
  const rows = [["field", "value", "unit"], ...flatten({ request: state.spec }).map(([k, v]) => [k, v, unitOf(k)]),
    ...flatten(state.impact).map(([k, v]) => [k, v, unitOf(k)])];
  download("tradetalks-package.csv", new Blob([rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n"], { type: "text/csv" }));
};
$("x-png").onclick = async () => {
  const gd = $("c-impact");
  const url = await Plotly.toImage(gd, { format: "png", width: Math.max(600, gd.clientWidth), height: gd.clientHeight || 300 });
  // a data: URL decoded here (the CSP's connect-src does not allow fetching data: URLs)
  const bin = atob(url.split(",")[1]);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  download("tradetalks-impact.png", new Blob([bytes], { type: "image/png" }));
};

// ---- compare: deal, no deal, mine ---------------------------------------------------------
const CMP = [
  ["US welfare (EV)", "US$ bn a year", (im) => im.us.welfare_ev_usd_bn, 1],
  ["Japan welfare (EV)", "US$ bn a year", (im) => im.jp.welfare_ev_usd_bn, 1],
  ["US welfare", "% of gross absorption", (im) => im.us.welfare_pct, 3],
  ["Japan welfare", "% of gross absorption", (im) => im.jp.welfare_pct, 3],
  ["US real wage", "change, %", (im) => im.us.real_wage_pct, 3],
  ["Japan real wage", "change, %", (im) => im.jp.real_wage_pct, 3],
  ["US balance with Japan, after", "US$ bn", (im) => im.balance_after_usd_bn, 1],
  ["US tariff on Japan, after (trade-weighted)", "%", (im) => im.us_tariff_on_jp_after_pct, 2],
  ["Japan tariff on the US, after (trade-weighted)", "%", (im) => im.jp_tariff_on_us_after_pct, 2],
  ["US auto output", "change, %", (im) => im.us.auto_output_pct, 2],
  ["Japan auto output", "change, %", (im) => im.jp.auto_output_pct, 2],
  ["US tariff revenue, after", "US$ bn a year", (im) => im.us.revenue_new_usd_bn, 1],
];
async function compare() {
  if (state.cmpCtrl) state.cmpCtrl.abort();
  const ctrl = new AbortController();
  state.cmpCtrl = ctrl;
  const mine = packageSpec();
  const unc = mine.uncertainty ? { uncertainty: mine.uncertainty } : {};  // issue 13: bands on every package
  const specs = [["July 2025 deal", { base: "jp-us-deal", ...unc }], ["No deal", { base: "jp-us-no-deal", ...unc }], ["Mine", mine]];
  $("cmp-table").dataset.state = "pending";
  $("cmp-table").setAttribute("aria-busy", "true");
  try {
    const res = await Promise.all(specs.map(([, s]) => api("/api/package/evaluate", { method: "POST", body: JSON.stringify(s), signal: ctrl.signal })));
    if (ctrl !== state.cmpCtrl) return;
    state.compare = res;
    const head = ["measure", "unit", ...specs.map(([n]) => n), "Mine − deal", "Mine − no deal"];
    const rows = CMP.map(([label, unit, get, d]) => {
      const v = res.map(get);
      return [label, unit, ...v.map((x) => fmt(x, d)), fmt(v[2] - v[0], d), fmt(v[2] - v[1], d)];
    });
    $("cmp-table").innerHTML = `<caption class="note">Mine = base ${escapeHtml(mine.base)} with the moved sliders</caption><thead><tr>${head.map((h, i) => `<th scope="col"${i > 1 ? ' class="num"' : ""}>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>` +
      rows.map((r) => `<tr><th scope="row">${escapeHtml(r[0])}</th><td>${escapeHtml(r[1])}</td>${r.slice(2).map((c) => `<td class="num">${c}</td>`).join("")}</tr>`).join("") + "</tbody>";
    const names = specs.map(([n]) => n);
    const tc = [
      withBandList({ type: "bar", name: "United States", x: names, y: res.map((im) => im.us.welfare_ev_usd_bn), marker: { color: US_C } },
        res.map((im) => band(im.us, "welfare_ev_usd_bn"))),
      withBandList({ type: "bar", name: "Japan", x: names, y: res.map((im) => im.jp.welfare_ev_usd_bn), marker: { color: JP_C } },
        res.map((im) => band(im.jp, "welfare_ev_usd_bn"))),
    ];
    draw("c-compare", tc, { title: TITLE("Welfare under each package (EV)"), barmode: "group", margin: { l: 55, r: 10, t: 40, b: 10 },
      yaxis: { title: { text: "US$ bn a year" }, automargin: true }, xaxis: { title: { text: "package" }, automargin: true }, legend: LEGEND_BELOW });
    $("a-compare").innerHTML = chartTable(tc, "package (welfare, US$ bn a year)");
    $("cmp-table").dataset.state = "ok";
    status("comparison ready: deal, no deal and yours");
  } catch (e) {
    if (e.name === "AbortError") { window.ttStats.aborted += 1; return; }
    $("cmp-table").dataset.state = "error";
    $("cmp-table").innerHTML = `<caption class="error">Could not compare: ${escapeHtml(e.message)}</caption>`;
    status(`error: ${e.message}`);
  } finally {
    if (ctrl === state.cmpCtrl) $("cmp-table").setAttribute("aria-busy", "false");
  }
}
$("cmp-run").onclick = compare;

// ---- issue 13: bands on the line charts, from the desk's one "Uncertainty bands" control ----------
const draws = () => +$("s-unc").value || 0;
function drawsQuery() { return draws() > 0 ? { uncertainty: draws() } : {}; }
// asymmetric error bars [p5, p95] around the plotted values (points without a band get none)
function errBar(vals, bands) {
  const ok = (i) => Array.isArray(bands[i]) && bands[i].length === 2;
  return { type: "data", symmetric: false, array: vals.map((v, i) => (ok(i) ? Math.max(0, bands[i][1] - v) : 0)),
           arrayminus: vals.map((v, i) => (ok(i) ? Math.max(0, v - bands[i][0]) : 0)), color: "#555", thickness: 1, width: 3 };
}
function withXY(trace, bx, by) {
  if (!bx.concat(by).some((b) => Array.isArray(b))) return trace;
  return { ...trace, error_x: errBar(trace.x, bx), error_y: errBar(trace.y, by) };
}
function bandsText(u, what) {
  if (!u) return "";
  return ` Whiskers: 5–95 % band over ${u.n_draws} Monte Carlo draws of the elasticities (seed ${u.seed}; ${u.dispersion}), ${what}; ` +
    `${u.n_converged} of ${u.n_solves} solves converged (${fmt(100 * (u.share_converged || 0), 1)} %; the others are left out of the band, never dropped silently).`;
}

// ---- frontier (a background job with progress and cancel) -----------------------------------
function frontierSpec() {
  return { nodeal: $("f-nodeal").value, n_points: Math.min(25, Math.max(3, +$("f-points").value || 12)), ...drawsQuery() };
}
async function traceFrontier() {
  if (state.fCtrl) state.fCtrl.abort();
  const ctrl = new AbortController();
  state.fCtrl = ctrl;
  $("f-info").textContent = "tracing the frontier…";
  $("f-cancel").disabled = false;
  $("c-frontier").classList.add("pending");
  try {
    const job = await api("/api/jobs/frontier", { method: "POST", body: JSON.stringify(frontierSpec()), signal: ctrl.signal });
    state.fjob = job.id;
    const fr = await followJob(job.id, $("f-progress"), "frontier", ctrl.signal);
    state.frontier = fr;
    $("f-info").textContent = `${fr.points.length} points, ${fr.evaluations} evaluations, ${fmt(fr.seconds, 1)} s`;
    status("frontier traced");
    drawFrontier();
  } catch (e) {
    if (e.name === "AbortError") { $("f-info").textContent = "cancelled"; return; }
    $("f-info").textContent = `Could not trace the frontier: ${e.message}` + (state.frontier ? " (the chart shows the previous frontier)" : "");
    status(`frontier error: ${e.message}`);
  } finally {
    if (ctrl === state.fCtrl) { state.fjob = null; $("f-cancel").disabled = true; $("c-frontier").classList.remove("pending"); }
  }
}
$("f-run").onclick = () => { pushUrl(); traceFrontier(); };
// Cancel: stop following at once; with the API token (Simulation tab) the job itself is cancelled too
$("f-cancel").onclick = () => {
  const id = state.fjob;
  if (state.fCtrl) state.fCtrl.abort();
  if (id && token()) api(`/api/jobs/${id}`, { method: "DELETE", headers: auth() }).catch(() => {});
};

const OBJ = "government objective, 100 × log change (≈ %)";
function frontierTraces(fr) {
  const t = [
    withXY({ type: "scatter", mode: "lines+markers", name: "efficient tariff packages (frontier)", x: fr.points.map((p) => p.u_us), y: fr.points.map((p) => p.u_jp),
      line: { color: "#2a9d8f" }, text: fr.points.map((p) => `US autos ${fmt(p.package.us_auto_pct, 1)} %, US other ${fmt(p.package.us_rest_pct, 1)} %, Japan ${fmt(p.package.jp_all_pct, 1)} %`) },
      fr.points.map((p) => p.u_us_band), fr.points.map((p) => p.u_jp_band)),
    withXY({ type: "scatter", mode: "markers", name: `no deal (${fr.nodeal.name})`, x: [fr.nodeal.u_us], y: [fr.nodeal.u_jp], marker: { size: 12, color: "#000", symbol: "x" } },
      [fr.nodeal.u_us_band], [fr.nodeal.u_jp_band]),
    { type: "scatter", mode: "markers", name: "rates in the data (status quo)", x: [fr.status_quo.u_us], y: [fr.status_quo.u_jp], marker: { size: 10, color: "#888", symbol: "square" } },
  ];
  const sym = { nash: "star", ks: "diamond", egalitarian: "triangle-up", rubinstein: "circle-open", "equal-gain": "triangle-down" };
  const long = { nash: "Nash bargaining", ks: "Kalai–Smorodinsky", egalitarian: "egalitarian", rubinstein: "Rubinstein", "equal-gain": "equal gain" };
  fr.solutions.forEach((s) => t.push(withXY({ type: "scatter", mode: "markers", name: `${long[s.name] || s.name} solution`, x: [s.u_us], y: [s.u_jp], marker: { size: 12, symbol: sym[s.name] || "circle" } },
    [s.u_us_band], [s.u_jp_band])));
  return t;
}
const FRONTIER_LAYOUT = (title) => ({
  title: { ...TITLE(title), y: 0.99, yanchor: "top" }, margin: { l: 65, r: 10, t: 90, b: 10 },
  xaxis: { title: { text: `US ${OBJ}` }, automargin: true },
  yaxis: { title: { text: `Japan ${OBJ}` }, automargin: true }, legend: LEGEND_BELOW,
});
// One basis: the frontier's instruments are the three tariffs, so the desk's package is drawn at its
// tariff-only point (same tariffs, no purchases, no pledge), evaluated through the same endpoint.
async function tariffOnlyPoint() {
  if (!state.spec) return null;
  if (state.tariffOnly) return state.tariffOnly;
  const s = { ...state.spec, purchases_agriculture_usd_bn: 0, purchases_energy_usd_bn: 0, investment_usd_bn: 0 };
  state.tariffOnly = await api("/api/package/evaluate", { method: "POST", body: JSON.stringify(s) });
  return state.tariffOnly;
}
async function drawFrontier() {
  const fr = state.frontier;
  const t = frontierTraces(fr);
  let note = "";
  try {
    const p = await tariffOnlyPoint();
    if (p) {
      t.push({ type: "scatter", mode: "markers", name: "your package, tariffs only", x: [p.us.objective], y: [p.jp.objective], marker: { size: 14, color: "#e9c46a", line: { color: "#000", width: 1 } } });
      note = ` Your package is drawn at its tariffs only (purchases and pledge are not instruments of this frontier); with them its objectives are US ${fmt(state.impact.us.objective, 3)}, Japan ${fmt(state.impact.jp.objective, 3)}.`;
    }
  } catch (e) { note = ` (your package's tariff-only point could not be evaluated: ${e.message})`; }
  draw("c-frontier", t, FRONTIER_LAYOUT("Efficient tariff packages: US auto tariff, US other tariff, Japan's tariffs"));
  $("a-frontier").innerHTML = pointsTable(t, `US ${OBJ}`, `Japan ${OBJ}`);
  $("f-info").textContent = `${fr.points.length} points, ${fr.evaluations} evaluations, ${fmt(fr.seconds, 1)} s.${note}` +
    bandsText(fr.uncertainty, "each package held fixed (not re-negotiated per draw)");
  $("f-solutions").innerHTML = "<thead><tr><th scope='col'>solution</th><th scope='col'>US objective</th><th scope='col'>Japan objective</th><th scope='col'>US autos %</th><th scope='col'>US other %</th><th scope='col'>Japan %</th></tr></thead><tbody>" +
    fr.solutions.map((s) => `<tr><td>${s.name}</td><td>${withRange(s.u_us, s.u_us_band, 4)}</td><td>${withRange(s.u_jp, s.u_jp_band, 4)}</td><td>${fmt(s.package.us_auto_pct, 1)}</td><td>${fmt(s.package.us_rest_pct, 1)}</td><td>${fmt(s.package.jp_all_pct, 1)}</td></tr>`).join("") + "</tbody>";
}

// ---- timeline ------------------------------------------------------------------------------
// A request that may turn into a job (the timeline with bands): 200 -> its body; 202 -> follow the job.
async function apiOrJob(path, bar, label, signal) {
  const r = await fetch(path, { headers: { "content-type": "application/json" }, signal });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(readable(r.status, body));
  if (r.status !== 202) return body;
  const res = await followJob(body.id, bar, label, signal);
  return res.events || res.result || res;
}
function timelineBar() {
  let bar = $("t-progress");
  if (!bar) {
    bar = document.createElement("progress");
    Object.assign(bar, { id: "t-progress", max: 1, value: 0 });
    bar.setAttribute("aria-label", "timeline bands progress");
    bar.hidden = true;
    $("c-timeline").parentElement.before(bar);
  }
  return bar;
}
// a shaded 5–95 % ribbon around a step line: the p5 edge (no fill), then the p95 edge filled down to it
function ribbon(dates, bands, color, label) {
  const lo = bands.map((b) => (Array.isArray(b) ? b[0] : null)), hi = bands.map((b) => (Array.isArray(b) ? b[1] : null));
  return [
    { type: "scatter", mode: "lines", name: `${label} (5 %)`, x: dates, y: lo, line: { width: 0, shape: "hv", color }, showlegend: false, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", name: label, x: dates, y: hi, line: { width: 0, shape: "hv", color }, fill: "tonexty", fillcolor: color, hoverinfo: "skip" },
  ];
}
async function loadTimeline() {
  if (state.tCtrl) state.tCtrl.abort();
  const ctrl = new AbortController();
  state.tCtrl = ctrl;
  const n = draws();
  status(n ? `loading the timeline with 5–95 % bands over ${n} draws…` : "loading the timeline…");
  state.timeline = "loading";
  const bar = timelineBar();
  bar.hidden = !n;
  bar.value = 0;
  try {
    const ev = await apiOrJob(`/api/timeline${n ? `?uncertainty=${n}` : ""}`, bar, "timeline bands", ctrl.signal);
    if (ctrl !== state.tCtrl) return;
    state.timeline = ev;
    const dates = ev.map((e) => e.date);
    const hover = ev.map((e) => `${e.date} [${e.kind}] ${e.title}`);
    const u = ev.length ? ev[0].in_force.uncertainty : null;
    const traces = [];
    const line = (who, side, color) => {
      if (u) traces.push(...ribbon(dates, ev.map((e) => e.in_force[side].welfare_pct_band), color === US_C ? "rgba(31,95,168,0.18)" : "rgba(192,57,43,0.18)",
        `${who}: 5–95 % band, ${u.n_draws} draws, seed ${u.seed}`));
      traces.push({ type: "scatter", mode: "lines+markers", line: { shape: "hv", color }, name: `${who} welfare, tariffs in force`, x: dates, y: ev.map((e) => e.in_force[side].welfare_pct), text: hover });
    };
    line("US", "us", US_C);
    line("Japan", "jp", JP_C);
    const offers = ev.filter((e) => e.offers.length);
    if (offers.length) {
      traces.push({ type: "scatter", mode: "markers", name: "offer on the table: Japan welfare", x: offers.map((e) => e.date), y: offers.map((e) => e.offers[0].impact.jp.welfare_pct), marker: { size: 13, symbol: "star", color: JP_C }, text: offers.map((e) => e.offers[0].label) });
      traces.push({ type: "scatter", mode: "markers", name: "offer on the table: US welfare", x: offers.map((e) => e.date), y: offers.map((e) => e.offers[0].impact.us.welfare_pct), marker: { size: 13, symbol: "star", color: US_C }, text: offers.map((e) => e.offers[0].label) });
    }
    const rounds = ev.filter((e) => e.round_number !== null);
    traces.push({ type: "scatter", mode: "markers", name: "negotiation round", x: rounds.map((e) => e.date), y: rounds.map(() => 0), marker: { size: 9, symbol: "line-ns-open", color: "#333" }, text: rounds.map((e) => e.title) });
    draw("c-timeline", traces, { title: { ...TITLE("The 2025–26 Japan–US talks: welfare under the tariffs in force"), y: 0.99, yanchor: "top" },
      margin: { l: 60, r: 10, t: u ? 100 : 60, b: 10 }, xaxis: { title: { text: "date" }, automargin: true }, yaxis: { title: { text: "welfare change vs 2014 rates, %" }, automargin: true }, legend: LEGEND_BELOW });
    const src = (e) => (e.source_address ? `<a href="${escapeHtml(e.source_address)}" rel="noreferrer noopener" target="_blank">${escapeHtml(e.source_title || "source")}</a>` : "");
    const cap = u ? `Text table of the chart above, with each event's source. Ranges: 5–95 % band over ${u.n_draws} Monte Carlo draws of the elasticities (seed ${u.seed}; ${escapeHtml(u.dispersion)}); ` +
      "each date's share of converged solves is in the JSON (/api/timeline?uncertainty=N)" : "Text table of the chart above, with each event's source";
    $("t-events").innerHTML = `<caption class='note'>${cap}</caption><thead><tr><th scope='col'>date</th><th scope='col'>kind</th><th scope='col'>event</th><th scope='col'>US tariff on Japan %</th><th scope='col'>US welfare %</th><th scope='col'>Japan welfare %</th><th scope='col'>US balance with Japan US$bn</th><th scope='col'>offers evaluated</th><th scope='col'>source</th></tr></thead><tbody>` +
      ev.map((e) => `<tr><td>${e.date}</td><td>${e.kind}${e.round_number ? " #" + e.round_number : ""}</td><td>${escapeHtml(e.title)}</td><td>${fmt(e.in_force.us_tariff_on_jp_after_pct, 1)}</td><td>${withRange(e.in_force.us.welfare_pct, e.in_force.us.welfare_pct_band, 3)}</td><td>${withRange(e.in_force.jp.welfare_pct, e.in_force.jp.welfare_pct_band, 3)}</td><td>${withRange(e.in_force.balance_after_usd_bn, e.in_force.balance_after_usd_bn_band, 1)}</td><td>${e.offers.map((o) => `${escapeHtml(o.party)}: US ${fmt(o.impact.us.welfare_pct, 3)} %, JP ${fmt(o.impact.jp.welfare_pct, 3)} %, balance ${fmt(o.impact.balance_after_usd_bn, 1)}`).join("<br>")}</td><td>${src(e)}</td></tr>`).join("") + "</tbody>";
    $("t-events").dataset.state = u ? "bands" : "ok";
    status(u ? `timeline loaded with 5–95 % bands (${u.n_draws} draws, seed ${u.seed})` : "timeline loaded");
  } catch (e) {
    if (e.name === "AbortError") return;
    if (ctrl !== state.tCtrl) return;
    state.timeline = null; status(`timeline error: ${e.message}`); $("t-events").dataset.state = "error"; $("t-events").innerHTML = `<caption class="error">Could not load the timeline: ${escapeHtml(e.message)}</caption>`;
  } finally { if (ctrl === state.tCtrl) bar.hidden = true; }
}
// the draws apply to the line charts too: the timeline reloads, the frontier on its next trace
$("s-unc").addEventListener("change", () => { state.timeline = null; if (state.tab === "timeline") loadTimeline(); });

// ---- simulation ----------------------------------------------------------------------------
$("m-run").onclick = async () => {
  const spec = { strategy_us: $("m-us").value, strategy_jp: $("m-jp").value, rounds_per_deadline: Math.min(20, Math.max(1, +$("m-rounds").value || 5)), ...frontierSpec() };
  if (state.mCtrl) state.mCtrl.abort();
  const ctrl = new AbortController();
  state.mCtrl = ctrl;
  try {
    const job = await api("/api/jobs/simulate", { method: "POST", body: JSON.stringify(spec), headers: auth(), signal: ctrl.signal });
    state.job = job.id; $("m-cancel").disabled = false; $("m-info").textContent = "running…";
    const res = await followJob(job.id, $("m-progress"), "simulation", ctrl.signal);
    play(res);
  } catch (e) {
    $("m-info").textContent = e.name === "AbortError" ? "cancelled" : `Could not run the simulation: ${e.message}`;
  } finally { if (ctrl === state.mCtrl) $("m-cancel").disabled = true; }
};
$("m-cancel").onclick = async () => {
  if (!state.job) return;
  await api(`/api/jobs/${state.job}`, { method: "DELETE", headers: auth() }).catch((e) => { $("m-info").textContent = `Could not cancel: ${e.message}`; });
};
function play(res) {
  const fr = res.frontier, log = res.log, [a, b] = res.parties;
  let k = 0;
  const step = () => {
    const rows = log.slice(0, k + 1);
    const t = frontierTraces(fr);
    t.push(withXY({ type: "scatter", mode: "lines+markers", name: "offers (round by round)", x: rows.map((r) => r[`u_${a}`]), y: rows.map((r) => r[`u_${b}`]),
             marker: { size: 9, color: rows.map((r) => (r.proposer === a ? US_C : JP_C)) }, line: { dash: "dot", color: "#999" }, text: rows.map((r) => `round ${r.round} ${r.date}: ${r.proposer} offers`) },
             rows.map((r) => r[`u_${a}_band`]), rows.map((r) => r[`u_${b}_band`])));
    draw("c-sim", t, FRONTIER_LAYOUT(`Simulated rounds: ${res.strategies.join(" vs ")}, round ${k + 1}/${log.length}`));
    $("m-log").innerHTML = "<caption class='note'>Text table of the chart above</caption><thead><tr><th scope='col'>round</th><th scope='col'>date</th><th scope='col'>phase</th><th scope='col'>proposer</th><th scope='col'>US objective</th><th scope='col'>Japan objective</th><th scope='col'>accepted</th></tr></thead><tbody>" +
      rows.map((r) => `<tr><td>${r.round}</td><td>${r.date || ""}</td><td>${escapeHtml(r.phase || "")}</td><td>${r.proposer}</td><td>${withRange(r[`u_${a}`], r[`u_${a}_band`], 4)}</td><td>${withRange(r[`u_${b}`], r[`u_${b}_band`], 4)}</td><td>${r.accepted ? "yes" : ""}</td></tr>`).join("") + "</tbody>";
    if (++k < log.length) setTimeout(step, 400);
    else $("m-info").textContent = `${res.agreement ? "agreement" : "no agreement"} in round ${res.round}: ${res.reason}.` + bandsText(res.uncertainty, "each offer's package held fixed");
  };
  step();
}

// ---- data year, facts "as of", sources -----------------------------------------------------
function renderFacts(d) {
  const src = d.facts_as_of_source;
  $("data-note").innerHTML = `Data: ${escapeHtml(d.dataset)} (trade flows and tariffs of ${escapeHtml(d.data_year || "?")}); ` +
    `policy facts as of ${escapeHtml(d.facts_as_of || "?")}` + (src ? ` (<a href="${escapeHtml(src.address)}" rel="noreferrer noopener" target="_blank">${escapeHtml(src.title)}</a>)` : "") +
    "; model: Ossa (2014).";
  $("measures").innerHTML = "<thead><tr><th scope='col'>measure</th><th scope='col'>rate %</th><th scope='col'>from</th><th scope='col'>to</th><th scope='col'>status</th><th scope='col'>source</th></tr></thead><tbody>" +
    d.measures.map((m) => `<tr><td>${escapeHtml(m.title)}</td><td>${fmt(m.rate_pct, 1)}</td><td>${m.start}</td><td>${m.end || ""}</td><td>${escapeHtml(m.status)}</td><td><a href="${escapeHtml(m.source.address)}" rel="noreferrer noopener" target="_blank">${escapeHtml(m.source.title)}</a></td></tr>`).join("") + "</tbody>";
}

// ---- start -----------------------------------------------------------------------------------
// wide tables scroll inside their own box (never the page): reachable and scrollable by keyboard
document.querySelectorAll(".scroll").forEach((el) => {
  el.tabIndex = 0;
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", "table (scrolls sideways on small screens)");
});
(async () => {
  const tab = applyUrl();
  showOutputs();
  evaluate();
  if (tab !== "package") showTab(tab);
  try {
    state.defaults = await api("/api/package/defaults");
    const d = state.defaults;
    if (!state.touched.has("auto")) $("s-auto").value = d.us_auto_tariff_pct.toFixed(1);
    $("defaults-note").textContent = `Data's applied rates: US on Japanese autos ${fmt(d.us_auto_tariff_pct, 2)} %, other goods ${fmt(d.us_other_tariff_pct, 2)} %; Japan on US goods ${fmt(d.jp_tariff_pct, 2)} %. The presets are the built-in scenarios of \`tradetalks evaluate\`; an unmoved slider keeps the preset's value exactly.`;
    renderFacts(d);
  } catch (e) { $("defaults-note").textContent = `Could not load the data's rates: ${e.message}`; }
})();
