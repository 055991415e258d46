// tradetalks API reference: a plain rendering of /openapi.json (no CDN, no inline script).
"use strict";
(async () => {
  const el = document.getElementById("docs");
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const ref = (s) => (s && s.$ref ? s.$ref.split("/").pop() : s && s.type ? s.type : "");
  try {
    const api = await (await fetch("/openapi.json")).json();
    let html = `<h2>${esc(api.info.title)} ${esc(api.info.version)}</h2><p>${esc(api.info.summary || "")}</p>`;
    for (const [path, ops] of Object.entries(api.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const params = (op.parameters || []).map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ", required" : ""}) ${esc(p.description || "")}</li>`).join("");
        const body = op.requestBody ? ref(Object.values(op.requestBody.content)[0].schema) : "";
        const codes = Object.entries(op.responses || {}).map(([c, r]) => `<li><code>${esc(c)}</code> ${esc(r.description)}</li>`).join("");
        html += `<section class="endpoint"><h3><code>${method.toUpperCase()} ${esc(path)}</code></h3><p>${esc(op.summary || "")}</p>` +
          `<p class="note">${esc(op.description || "")}</p>` + (params ? `<h4>Parameters</h4><ul>${params}</ul>` : "") +
          (body ? `<h4>Request body</h4><p><code>${esc(body)}</code> (see schemas below)</p>` : "") + `<h4>Responses</h4><ul>${codes}</ul></section>`;
      }
    }
    html += "<h2>Schemas</h2>";
    for (const [name, s] of Object.entries((api.components || {}).schemas || {})) {
      const rows = Object.entries(s.properties || {}).map(([k, p]) => `<tr><td><code>${esc(k)}</code></td><td>${esc(ref(p) || (p.anyOf || []).map(ref).join(" | "))}</td><td>${esc(p.description || "")}</td></tr>`).join("");
      html += `<section class="endpoint"><h3 id="schema-${esc(name)}">${esc(name)}</h3><p class="note">${esc(s.description || "")}</p>` +
        (rows ? `<div class="scroll"><table class="table"><thead><tr><th scope="col">field</th><th scope="col">type</th><th scope="col">meaning</th></tr></thead><tbody>${rows}</tbody></table></div>` : "") + "</section>";
    }
    el.innerHTML = html;
  } catch (e) { el.textContent = `could not load /openapi.json: ${e.message}`; }
})();
