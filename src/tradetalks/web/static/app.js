// tradetalks browser UI: plain JS over the JSON API; charts with the locally served Plotly.js.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 2) => (v === null || v === undefined || !isFinite(v) ? "–" : Number(v).toFixed(d));
const state = { defaults: null, impact: null, frontier: null, seq: 0, job: null };
const CFG = { displaylogo: false, responsive: true };
const US_C = "#1f5fa8", JP_C = "#c0392b";

async function api(path, opts = {}) {
  const r = await fetch(path, { ...opts, headers: { "content-type": "application/json", ...(opts.headers || {}) } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${r.status}: ${typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail || body)}`);
  // a heavy request still running after a moment comes back as 202 with its job: follow it (issue 15)
  if (r.status === 202 && body && body.id && !path.startsWith("/api/jobs")) return awaitJob(body.id);
  return body;
}
async function awaitJob(id) {
  for (;;) {
    await new Promise((done) => setTimeout(done, 500));
    const j = await api(`/api/jobs/${id}`);
    if (j.status === "done") return j.result;
    if (j.status === "failed" || j.status === "cancelled") throw new Error(j.error || j.status);
    status(`${j.message || "working"} (${Math.round(100 * j.progress)} %)`);
  }
}
function status(text) { $("status").textContent = text; }

// ---- tabs -------------------------------------------------------------------------------
document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll(".tab").forEach((x) => x.classList.toggle("active", x === b));
  document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === `view-${b.dataset.tab}`));
  if (b.dataset.tab === "frontier" && !state.frontier) traceFrontier();
  if (b.dataset.tab === "timeline" && !state.timeline) loadTimeline();
  window.dispatchEvent(new Event("resize"));
}));

// ---- package builder ---------------------------------------------------------------------
// The desk sends a built-in scenario ("base": its dated tariffs and side items) plus the sliders the user
// moved; an untouched slider keeps the base's value. The server builds the one Package from it
// (tradetalks.web.services.desk_package): no tariff, level or increment logic lives here.
const SLIDERS = ["auto", "recip", "jp", "agri", "energy", "invest"];
const FIELD = { auto: "us_auto_tariff_pct", recip: "us_reciprocal_pct", agri: "purchases_agriculture_usd_bn",
                energy: "purchases_energy_usd_bn", invest: "investment_usd_bn" };
const BASES = { "p-base": "jp-us-2024-baseline", "p-april": "jp-us-2025-04", "p-deal": "jp-us-deal", "p-nodeal": "jp-us-no-deal" };
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
  return spec;
}
function showOutputs() {
  SLIDERS.forEach((k) => { $(`o-${k}`).textContent = (k in FIELD && !state.touched.has(k)) ? "as in base" : $(`s-${k}`).value; });
  $("base-note").textContent = `Base: ${state.base} (moved sliders apply on top)`;
}

let timer = null;
function schedule() { showOutputs(); clearTimeout(timer); timer = setTimeout(evaluate, 120); }
SLIDERS.forEach((k) => $(`s-${k}`).addEventListener("input", () => { state.touched.add(k); schedule(); }));
// stacking, purchase meaning, years and valuation apply to the sliders' instruments (the base's own
// side items keep their stated terms until their slider is moved)
["s-stack", "s-pmeaning", "s-years", "s-imode"].forEach((id) => $(id).addEventListener("change", schedule));

function setBase(name) {
  state.base = name;
  state.touched = new Set();
  $("s-jp").value = 0;
  schedule();
}
for (const [id, name] of Object.entries(BASES)) $(id).onclick = () => setBase(name);

async function evaluate() {
  const seq = ++state.seq;
  status("evaluating…");
  try {
    const im = await api("/api/package/evaluate", { method: "POST", body: JSON.stringify(packageSpec()) });
    if (seq !== state.seq) return;  // a newer request is on its way
    state.impact = im;
    renderImpact(im);
    status(`solved (${im.converged ? "converged" : "NOT converged"}, residual ${im.residual.toExponential(1)})`);
    if (state.frontier) drawFrontier();
  } catch (e) { status(`error: ${e.message}`); }
}

// What the impact chart plots: each bar's label names the field it shows (tests/test_package_paths.py).
const IMPACT_BARS = [
  { label: "welfare (% of gross absorption)", field: "welfare_pct" },
  { label: "real wage", field: "real_wage_pct" },
  { label: "nominal wage", field: "wage_pct" },
  { label: "auto output", field: "auto_output_pct" },
];
function renderImpact(im) {
  $("k-us-welfare").textContent = fmt(im.us.welfare_ev_usd_bn, 1);
  $("k-jp-welfare").textContent = fmt(im.jp.welfare_ev_usd_bn, 1);
  $("k-us-welfare-pct").textContent = fmt(im.us.welfare_pct, 3);
  $("k-jp-welfare-pct").textContent = fmt(im.jp.welfare_pct, 3);
  $("k-balance-before").textContent = fmt(im.balance_before_usd_bn, 1);
  $("k-balance-after").textContent = fmt(im.balance_after_usd_bn, 1);
  $("k-us-auto").textContent = fmt(im.us.auto_output_pct, 2);
  $("k-jp-auto").textContent = fmt(im.jp.auto_output_pct, 2);
  $("k-us-rev").textContent = `${fmt(im.us.revenue_base_usd_bn, 1)} → ${fmt(im.us.revenue_new_usd_bn, 1)}`;
  $("k-jp-rev").textContent = `${fmt(im.jp.revenue_base_usd_bn, 1)} → ${fmt(im.jp.revenue_new_usd_bn, 1)}`;
  const cats = IMPACT_BARS.map((b) => b.label);
  Plotly.react("c-impact", [
    { type: "bar", name: "United States", x: cats, y: IMPACT_BARS.map((b) => im.us[b.field]), marker: { color: US_C } },
    { type: "bar", name: "Japan", x: cats, y: IMPACT_BARS.map((b) => im.jp[b.field]), marker: { color: JP_C } },
  ], { title: { text: "Impact on both sides", font: { size: 13 } }, barmode: "group", margin: { l: 55, r: 10, t: 30, b: 40 },
       yaxis: { title: { text: "change, %" }, zeroline: true }, xaxis: { title: { text: "" } }, legend: { orientation: "h", y: -0.2 } }, CFG);
  Plotly.react("c-balance", [
    { type: "bar", name: "US trade balance with Japan", x: ["before", "after"], y: [im.balance_before_usd_bn, im.balance_after_usd_bn],
      marker: { color: ["#8aa1b9", US_C] }, text: [fmt(im.balance_before_usd_bn, 1), fmt(im.balance_after_usd_bn, 1)], textposition: "auto" },
  ], { title: { text: "US trade balance with Japan, goods and services (negative = deficit)", font: { size: 13 } }, margin: { l: 55, r: 10, t: 30, b: 40 },
       yaxis: { title: { text: "US$ bn per year" } }, xaxis: { title: { text: "package" } } }, CFG);
  const secs = im.sectors.map((s) => s.sector.replace(/_/g, " "));
  Plotly.react("c-sectors", [
    { type: "bar", name: "United States", x: secs, y: im.sectors.map((s) => s.usa_output_pct), marker: { color: US_C } },
    { type: "bar", name: "Japan", x: secs, y: im.sectors.map((s) => s.jpn_output_pct), marker: { color: JP_C } },
  ], { title: { text: "Output by sector", font: { size: 13 } }, barmode: "group", margin: { l: 55, r: 10, t: 30, b: 70 },
       yaxis: { title: { text: "output change, %" } }, xaxis: { title: { text: "sector (WIOD)" }, tickangle: -30 }, legend: { orientation: "h", y: 1.15 } }, CFG);
  $("assumptions").innerHTML = im.assumptions.map((a) => `<li>${escapeHtml(a)}</li>`).join("");
}
function escapeHtml(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }

// ---- frontier ----------------------------------------------------------------------------
function frontierSpec() {
  return { nodeal: $("f-nodeal").value, n_points: Math.min(25, Math.max(3, +$("f-points").value || 12)) };
}
async function traceFrontier() {
  $("f-info").textContent = "tracing…";
  try {
    state.frontier = await api("/api/frontier", { method: "POST", body: JSON.stringify(frontierSpec()) });
    $("f-info").textContent = `${state.frontier.points.length} points, ${state.frontier.evaluations} evaluations, ${fmt(state.frontier.seconds, 1)} s`;
    drawFrontier();
  } catch (e) { $("f-info").textContent = `error: ${e.message}`; }
}
$("f-run").onclick = traceFrontier;

function frontierTraces(fr) {
  const t = [
    { type: "scatter", mode: "lines+markers", name: "Pareto frontier", x: fr.points.map((p) => p.u_us), y: fr.points.map((p) => p.u_jp),
      line: { color: "#2a9d8f" }, text: fr.points.map((p) => `US autos ${fmt(p.package.us_auto_pct, 1)} %, US other ${fmt(p.package.us_rest_pct, 1)} %, Japan ${fmt(p.package.jp_all_pct, 1)} %`) },
    { type: "scatter", mode: "markers", name: `no deal: ${fr.nodeal.name}`, x: [fr.nodeal.u_us], y: [fr.nodeal.u_jp], marker: { size: 12, color: "#000", symbol: "x" } },
    { type: "scatter", mode: "markers", name: "2014 status quo", x: [fr.status_quo.u_us], y: [fr.status_quo.u_jp], marker: { size: 10, color: "#888", symbol: "square" } },
  ];
  const sym = { nash: "star", ks: "diamond", egalitarian: "triangle-up", rubinstein: "circle-open", "equal-gain": "triangle-down" };
  fr.solutions.forEach((s) => t.push({ type: "scatter", mode: "markers", name: `${s.name} solution`, x: [s.u_us], y: [s.u_jp], marker: { size: 12, symbol: sym[s.name] || "circle" } }));
  return t;
}
const FRONTIER_LAYOUT = (title) => ({
  title: { text: title, font: { size: 13 } }, margin: { l: 65, r: 10, t: 30, b: 50 },
  xaxis: { title: { text: "US objective, 100 ln Ĝ (≈ % change of government welfare)" } },
  yaxis: { title: { text: "Japan objective, 100 ln Ĝ (≈ %)" } }, legend: { x: 1, xanchor: "right", y: 1 },
});
function drawFrontier() {
  const fr = state.frontier;
  const t = frontierTraces(fr);
  if (state.impact) t.push({ type: "scatter", mode: "markers", name: "current package (builder)", x: [state.impact.us.objective], y: [state.impact.jp.objective], marker: { size: 14, color: "#e9c46a", line: { color: "#000", width: 1 } } });
  Plotly.react("c-frontier", t, FRONTIER_LAYOUT("Efficient packages (US auto tariff, US other tariff, Japan's tariffs)"), CFG);
  $("f-solutions").innerHTML = "<tr><th>solution</th><th>US objective</th><th>Japan objective</th><th>US autos %</th><th>US other %</th><th>Japan %</th></tr>" +
    fr.solutions.map((s) => `<tr><td>${s.name}</td><td>${fmt(s.u_us, 4)}</td><td>${fmt(s.u_jp, 4)}</td><td>${fmt(s.package.us_auto_pct, 1)}</td><td>${fmt(s.package.us_rest_pct, 1)}</td><td>${fmt(s.package.jp_all_pct, 1)}</td></tr>`).join("");
}

// ---- timeline ----------------------------------------------------------------------------
async function loadTimeline() {
  status("loading the timeline…");
  try {
    const ev = await api("/api/timeline");
    state.timeline = ev;
    const dates = ev.map((e) => e.date);
    const hover = ev.map((e) => `${e.date} [${e.kind}] ${e.title}`);
    const traces = [
      { type: "scatter", mode: "lines+markers", line: { shape: "hv", color: US_C }, name: "US welfare, tariffs in force", x: dates, y: ev.map((e) => e.in_force.us.welfare_pct), text: hover },
      { type: "scatter", mode: "lines+markers", line: { shape: "hv", color: JP_C }, name: "Japan welfare, tariffs in force", x: dates, y: ev.map((e) => e.in_force.jp.welfare_pct), text: hover },
    ];
    const offers = ev.filter((e) => e.offers.length);
    if (offers.length) {
      traces.push({ type: "scatter", mode: "markers", name: "offer on the table: Japan welfare", x: offers.map((e) => e.date), y: offers.map((e) => e.offers[0].impact.jp.welfare_pct), marker: { size: 13, symbol: "star", color: JP_C }, text: offers.map((e) => e.offers[0].label) });
      traces.push({ type: "scatter", mode: "markers", name: "offer on the table: US welfare", x: offers.map((e) => e.date), y: offers.map((e) => e.offers[0].impact.us.welfare_pct), marker: { size: 13, symbol: "star", color: US_C }, text: offers.map((e) => e.offers[0].label) });
    }
    const rounds = ev.filter((e) => e.round_number !== null);
    traces.push({ type: "scatter", mode: "markers", name: "negotiation round", x: rounds.map((e) => e.date), y: rounds.map(() => 0), marker: { size: 9, symbol: "line-ns-open", color: "#333" }, text: rounds.map((e) => e.title) });
    Plotly.react("c-timeline", traces, { title: { text: "The 2025–26 Japan–US talks: welfare under the tariffs in force, and offers", font: { size: 13 } },
      margin: { l: 60, r: 10, t: 30, b: 50 }, xaxis: { title: { text: "date" } }, yaxis: { title: { text: "welfare change vs 2014 rates, %" } }, legend: { orientation: "h", y: -0.18 } }, CFG);
    $("t-events").innerHTML = "<tr><th>date</th><th>kind</th><th>event</th><th>US tariff on Japan %</th><th>US welfare %</th><th>Japan welfare %</th><th>US balance with Japan US$bn</th><th>offers evaluated</th></tr>" +
      ev.map((e) => `<tr><td>${e.date}</td><td>${e.kind}${e.round_number ? " #" + e.round_number : ""}</td><td>${escapeHtml(e.title)}</td><td>${fmt(e.in_force.us_tariff_on_jp_after_pct, 1)}</td><td>${fmt(e.in_force.us.welfare_pct, 3)}</td><td>${fmt(e.in_force.jp.welfare_pct, 3)}</td><td>${fmt(e.in_force.balance_after_usd_bn, 1)}</td><td>${e.offers.map((o) => `${o.party}: US ${fmt(o.impact.us.welfare_pct, 3)} %, JP ${fmt(o.impact.jp.welfare_pct, 3)} %, balance ${fmt(o.impact.balance_after_usd_bn, 1)}`).join("<br>")}</td></tr>`).join("");
    status("timeline loaded");
  } catch (e) { status(`error: ${e.message}`); }
}

// ---- simulation --------------------------------------------------------------------------
$("m-run").onclick = async () => {
  const token = $("m-token").value;
  const spec = { strategy_us: $("m-us").value, strategy_jp: $("m-jp").value, rounds_per_deadline: Math.min(20, Math.max(1, +$("m-rounds").value || 5)), ...frontierSpec() };
  try {
    const job = await api("/api/jobs/simulate", { method: "POST", body: JSON.stringify(spec), headers: token ? { authorization: `Bearer ${token}` } : {} });
    state.job = job.id; $("m-cancel").disabled = false; $("m-info").textContent = "running…";
    poll(job.id);
  } catch (e) { $("m-info").textContent = `error: ${e.message}`; }
};
$("m-cancel").onclick = async () => {
  if (!state.job) return;
  const token = $("m-token").value;
  await api(`/api/jobs/${state.job}`, { method: "DELETE", headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((e) => { $("m-info").textContent = `error: ${e.message}`; });
};
async function poll(id) {
  const j = await api(`/api/jobs/${id}`);
  $("m-progress").value = j.progress;
  $("m-info").textContent = `${j.status}: ${j.message}${j.error ? " — " + j.error : ""}`;
  if (j.status === "queued" || j.status === "running") { setTimeout(() => poll(id), 300); return; }
  $("m-cancel").disabled = true;
  if (j.status === "done") play(j.result);
}
function play(res) {
  const fr = res.frontier, log = res.log, [a, b] = res.parties;
  let k = 0;
  const step = () => {
    const rows = log.slice(0, k + 1);
    const t = frontierTraces(fr);
    t.push({ type: "scatter", mode: "lines+markers", name: "offers (round by round)", x: rows.map((r) => r[`u_${a}`]), y: rows.map((r) => r[`u_${b}`]),
             marker: { size: 9, color: rows.map((r) => (r.proposer === a ? US_C : JP_C)) }, line: { dash: "dot", color: "#999" }, text: rows.map((r) => `round ${r.round} ${r.date}: ${r.proposer} offers`) });
    Plotly.react("c-sim", t, FRONTIER_LAYOUT(`Simulated rounds: ${res.strategies.join(" vs ")} — round ${k + 1}/${log.length}`), CFG);
    $("m-log").innerHTML = "<tr><th>round</th><th>date</th><th>phase</th><th>proposer</th><th>US objective</th><th>Japan objective</th><th>accepted</th></tr>" +
      rows.map((r) => `<tr><td>${r.round}</td><td>${r.date || ""}</td><td>${escapeHtml(r.phase || "")}</td><td>${r.proposer}</td><td>${fmt(r[`u_${a}`], 4)}</td><td>${fmt(r[`u_${b}`], 4)}</td><td>${r.accepted ? "yes" : ""}</td></tr>`).join("");
    if (++k < log.length) setTimeout(step, 400);
    else $("m-info").textContent = `${res.agreement ? "agreement" : "no agreement"} in round ${res.round}: ${res.reason}`;
  };
  step();
}

// ---- start -------------------------------------------------------------------------------
(async () => {
  try {
    state.defaults = await api("/api/package/defaults");
    $("s-auto").value = state.defaults.us_auto_tariff_pct.toFixed(1);
    $("defaults-note").textContent = `Data's applied rates: US on Japanese autos ${fmt(state.defaults.us_auto_tariff_pct, 1)} %, other goods ${fmt(state.defaults.us_other_tariff_pct, 1)} %; Japan on US goods ${fmt(state.defaults.jp_tariff_pct, 1)} % (${state.defaults.dataset} data, Ossa (2014) model). The presets are the built-in scenarios of \`tradetalks evaluate\`.`;
  } catch (e) { status(`error: ${e.message}`); }
  schedule();
})();
