// tradetalks desk: the counter-offer advisor panel (issue 11). Picks the other side's latest offer from the
// negotiation record or a preset (a built-in scenario), runs POST /api/jobs/counter-offer as a background job
// (progress, cancel) and shows the size of the set both sides prefer to the offer, the best package for us
// and our smallest concession as a table with units. No economics here: the server advises
// (tradetalks.bargain.advisor, the same code as `tradetalks counter-offer`).
"use strict";

(() => {
  const el = (id) => document.getElementById(id);
  if (!el("view-advisor")) return;
  const num = (v, d = 2) => (v === null || v === undefined || !isFinite(v) ? "–" : Number(v).toFixed(d));
  const signed = (v, d = 3) => (isFinite(v) ? (v >= 0 ? "+" : "") + Number(v).toFixed(d) : "–");
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const tokenOf = () => (el("m-token") ? el("m-token").value : "");
  const wait = (ms, signal) => new Promise((done, fail) => {
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); fail(new DOMException("aborted", "AbortError")); });
  });
  const GROUPS = ["USA:motor_vehicles", "USA:rest", "JPN:all"];
  const st = { ctrl: null, job: null, offers: [] };

  async function call(path, opts = {}) {
    const r = await fetch(path, { ...opts, headers: { "content-type": "application/json", ...(opts.headers || {}) } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      const d = body && body.detail;
      const msg = typeof d === "string" ? d
        : Array.isArray(d) ? d.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ")
        : `the server answered ${r.status}`;
      throw new Error(msg);
    }
    return body;
  }
  function say(text) { const s = el("status"); if (s) s.textContent = text; }

  // the offers: presets first, then every stored offer of the record (newest last)
  async function loadOffers() {
    const sel = el("a-offer");
    const presets = await call("/api/scenarios").catch(() => []);
    const stored = [];
    try {
      const recs = await call("/api/records?limit=20");
      for (const rec of recs.records || []) {
        const full = await call(`/api/records/${rec.id}`);
        for (const rd of full.rounds || []) {
          for (const o of rd.offers || []) stored.push({ id: o.id, party: o.party, label: o.label, date: rd.date, record: rec.title });
        }
      }
    } catch (e) { /* no record store: presets only */ }
    st.offers = stored;
    sel.innerHTML = "";
    const g1 = document.createElement("optgroup");
    g1.label = "presets (built-in scenarios)";
    for (const s of presets) g1.append(new Option(`${s.name}: ${s.summary}`, `scenario:${s.name}`));
    sel.append(g1);
    if (stored.length) {
      const g2 = document.createElement("optgroup");
      g2.label = "offers in the negotiation record";
      stored.sort((a, b) => String(a.date).localeCompare(String(b.date)) || a.id - b.id);
      for (const o of stored) g2.append(new Option(`${o.date} ${o.party}: ${o.label} (#${o.id})`, `offer:${o.id}`));
      sel.append(g2);
    }
    pickLatest();
  }
  // default: the latest stored offer of the other side, else the July 2025 deal
  function pickLatest() {
    const us = el("a-us").value;
    const theirs = st.offers.filter((o) => o.party !== us);
    const sel = el("a-offer");
    sel.value = theirs.length ? `offer:${theirs[theirs.length - 1].id}` : "scenario:jp-us-deal";
  }

  function spec() {
    const [kind, val] = el("a-offer").value.split(":");
    const out = { us: el("a-us").value, upper_pct: 100, samples: 256 };
    if (kind === "offer") out.offer_id = Number(val); else out.offer_scenario = val;
    if (el("a-instruments").value === "groups") out.instruments = GROUPS;
    return out;
  }

  async function run() {
    if (st.ctrl) st.ctrl.abort();
    const ctrl = new AbortController();
    st.ctrl = ctrl;
    el("a-cancel").disabled = false;
    el("a-info").textContent = "advising…";
    el("a-result").classList.add("pending");
    try {
      const job = await call("/api/jobs/counter-offer", { method: "POST", body: JSON.stringify(spec()), signal: ctrl.signal });
      st.job = job.id;
      for (;;) {
        const j = await call(`/api/jobs/${job.id}`, { signal: ctrl.signal });
        el("a-progress").value = j.progress || 0;
        say(`counter-offer: ${j.message || j.status} (${Math.round(100 * (j.progress || 0))} %)`);
        if (j.status === "done") { render(j.result); break; }
        if (j.status === "failed" || j.status === "cancelled") throw new Error(j.error || `the job was ${j.status}`);
        await wait(400, ctrl.signal);
      }
      say("counter-offer advice ready");
    } catch (e) {
      el("a-info").textContent = e.name === "AbortError" ? "cancelled" : `Could not advise: ${e.message}`;
    } finally {
      if (ctrl === st.ctrl) { st.job = null; el("a-cancel").disabled = true; el("a-result").classList.remove("pending"); }
    }
  }

  function render(r) {
    const s = r.improvement_set;
    const gains = r.parties.map((p) => `${p} up to ${signed(s.max_gain_pct[p], 4)} % of government welfare (${signed(s.max_gain_usd_bn_per_year[p], 2)} US$ bn a year)`);
    el("a-info").textContent =
      `Offer: ${r.offer_source}. Packages both sides prefer to it: ${gains.join("; ")}; ` +
      `${num(100 * s.sampled_share, 1)} % of ${s.samples} packages sampled over the bounds. ` +
      `Best for ${r.advised_party}: ${signed(r.gain_over_offer_pct, 4)} % (${signed(r.gain_over_offer_usd_bn_per_year, 2)} US$ bn a year) over the offer` +
      (r.converged ? "." : " (the optimiser did not report convergence).") +
      (r.notes.length ? ` Notes: ${r.notes.join("; ")}.` : "");
    const head = ["instrument", "unit", "their offer", `best for ${r.advised_party}`, "smallest concession"];
    const rows = r.instruments.map((i) => [i.name, i.unit, num(i.offer, i.unit === "%" ? 1 : 2), num(i.best, i.unit === "%" ? 1 : 2), num(i.concession, i.unit === "%" ? 1 : 2)]);
    for (const o of r.objectives) rows.push([`objective of ${o.party}`, "% of gov. welfare", signed(o.offer, 4), signed(o.best, 4), signed(o.concession, 4)]);
    el("a-table").innerHTML =
      `<caption class="note">Counter-offer advice for ${esc(r.advised_party)} on ${esc(r.dataset)} (${esc(r.closure)}); ${esc(r.units)}</caption>` +
      `<thead><tr>${head.map((h, k) => `<th scope="col"${k > 1 ? ' class="num"' : ""}>${esc(h)}</th>`).join("")}</tr></thead><tbody>` +
      rows.map((row) => `<tr><th scope="row">${esc(row[0])}</th><td>${esc(row[1])}</td>${row.slice(2).map((c) => `<td class="num">${c}</td>`).join("")}</tr>`).join("") +
      "</tbody>";
  }

  el("a-run").addEventListener("click", run);
  el("a-us").addEventListener("change", pickLatest);
  // Cancel: stop following at once; with the API token (Simulation tab) the job itself is cancelled too
  el("a-cancel").addEventListener("click", () => {
    const id = st.job;
    if (st.ctrl) st.ctrl.abort();
    const t = tokenOf();
    if (id && t) call(`/api/jobs/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${t}` } }).catch(() => {});
  });
  loadOffers().catch((e) => { el("a-info").textContent = `Could not list offers: ${e.message}`; });
})();
