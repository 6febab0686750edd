"""The PM's page: stored plans with links to their reports, and a form to submit a case.

One self-contained HTML page (no external assets). The API key is typed into the page and kept in
the browser's session storage (or comes in the link's fragment, ``/#key=KEY``, which browsers
never send to the server); every call sends it as ``Authorization: Bearer KEY``, so reports
open through ``fetch`` (a plain link could not carry the header).
"""

from __future__ import annotations

__all__ = ["plans_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hedge-planner: plans</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left}#errors{color:#a00;white-space:pre-wrap}fieldset{margin:1rem 0}
</style></head><body>
<h1>hedge-planner: stored plans</h1>
<fieldset><legend>API key</legend>
<input id="key" type="password" size="50" placeholder="hp_..."><button id="use">Use key</button>
</fieldset>
<fieldset><legend>Submit a case</legend>
<form id="submit">
<label>Case YAML <input id="case" name="case" type="file" accept=".yaml,.yml"></label>
<label>Holdings CSV (optional) <input id="holdings" name="holdings" type="file"
 accept=".csv"></label>
<label>Portfolio <input id="portfolio" value="default"></label>
<button type="submit">Run plan</button></form>
<div id="status"></div><div id="errors"></div></fieldset>
<table><thead><tr><th>created (UTC)</th><th>portfolio</th><th>analysis date</th>
<th>status</th><th>reports</th></tr></thead><tbody id="plans"></tbody></table>
<script>
const $ = (id) => document.getElementById(id);
const auth = () => ({Authorization: "Bearer " + (sessionStorage.getItem("hpkey") || "")});
function cell(row, text) { const td = row.insertCell(); td.textContent = text; return td; }
async function openReport(id, name) {
  const r = await fetch(`/v1/plans/${id}/${name}`, {headers: auth()});
  if (!r.ok) { $("errors").textContent = `${name}: HTTP ${r.status}`; return; }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a"); a.href = url; a.download = `plan-${id}-${name}`;
  if (name.endsWith(".html")) { a.target = "_blank"; a.removeAttribute("download"); }
  a.click();
}
async function load() {
  const r = await fetch("/v1/plans?limit=100", {headers: auth()});
  const body = $("plans"); body.textContent = "";
  if (!r.ok) { $("status").textContent = `listing: HTTP ${r.status}`; return; }
  for (const p of (await r.json()).items) {
    const row = body.insertRow(); row.className = "plan"; row.dataset.id = p.id;
    cell(row, p.created_at); cell(row, p.portfolio); cell(row, p.analysis_date);
    cell(row, p.status); const links = cell(row, "");
    for (const name of ["report.html", "report.xlsx"]) {
      const a = document.createElement("a"); a.href = "#"; a.textContent = name + " ";
      a.className = "report"; a.onclick = (e) => { e.preventDefault(); openReport(p.id, name); };
      links.appendChild(a);
    }
  }
  $("status").textContent = "listed";
}
$("use").onclick = () => { sessionStorage.setItem("hpkey", $("key").value); load(); };
$("submit").onsubmit = async (e) => {
  e.preventDefault(); $("errors").textContent = ""; $("status").textContent = "running";
  const form = new FormData();
  form.append("case", $("case").files[0]);
  if ($("holdings").files[0]) form.append("holdings", $("holdings").files[0]);
  const q = encodeURIComponent($("portfolio").value || "default");
  const r = await fetch(`/v1/plans?portfolio=${q}`, {method: "POST", headers: auth(), body: form});
  const out = await r.json();
  if (r.status === 201) { $("status").textContent = "stored " + out.id; load(); return; }
  $("status").textContent = `HTTP ${r.status}`;
  $("errors").textContent = (out.errors || []).map((x) => x.message).join("\\n") || out.detail;
};
// A link may carry the key in its fragment (never sent to the server): #key=hp_...
const fromLink = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromLink) { sessionStorage.setItem("hpkey", fromLink); history.replaceState(null, "", "/"); }
if (sessionStorage.getItem("hpkey")) load();
</script></body></html>
"""


def plans_page() -> str:
    """The page's HTML."""
    return _PAGE
