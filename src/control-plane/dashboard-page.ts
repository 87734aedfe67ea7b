/**
 * The control plane's dashboard at `/`: one self-contained page (no files from other hosts, no
 * build step) that polls `/api/overview` every 2 s and draws who calls whom as inline SVG, the
 * traffic per edge and per method, providers, IDL versions and policies. Every value from the
 * mesh is escaped before it reaches the DOM.
 */
export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transmesh</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#6b7385; --line:#dfe3ea; --ok:#1f9d55; --warn:#d97706; --bad:#dc2626; --accent:#2563eb; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:baseline; gap:16px; padding:14px 24px; background:#111827; color:#fff; }
  header h1 { font-size:18px; margin:0; letter-spacing:.3px; }
  header .meta { color:#9ca3af; font-size:13px; }
  header .dot { display:inline-block; width:9px; height:9px; border-radius:50%; background:var(--ok); margin-right:6px; }
  header .dot.stale { background:var(--bad); }
  main { padding:18px 24px; display:grid; gap:18px; grid-template-columns: 1fr 1fr; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; overflow:auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); margin:0 0 10px; }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { font-weight:600; color:var(--muted); font-size:12px; }
  td.num { text-align:right; font-variant-numeric: tabular-nums; }
  .pill { display:inline-block; padding:1px 7px; border-radius:10px; background:#eef2ff; color:#3730a3; font-size:12px; margin:1px 2px; }
  .up { color:var(--ok); font-weight:600; }
  .err { color:var(--bad); font-weight:600; }
  .empty { color:var(--muted); font-style:italic; }
  svg text { font-size:12px; fill:var(--ink); }
  svg .edge-label { font-size:11px; fill:var(--muted); paint-order:stroke; stroke:#fff; stroke-width:4px; stroke-linejoin:round; }
</style>
</head>
<body>
<header><h1>Transmesh</h1><span class="meta"><span id="dot" class="dot"></span><span id="status">loading…</span></span></header>
<main>
  <section class="wide"><h2>Who calls whom</h2><div id="graph"></div></section>
  <section class="wide"><h2>Callers → services</h2><div id="edges"></div></section>
  <section class="wide"><h2>Methods</h2><div id="methods"></div></section>
  <section><h2>Providers</h2><div id="providers"></div></section>
  <section><h2>IDL versions</h2><div id="idl"></div></section>
  <section class="wide"><h2>Policies</h2><div id="policies"></div></section>
</main>
<script>
"use strict";
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v, unit) => (v === null || v === undefined ? "–" : (Math.round(v * 100) / 100).toLocaleString("en") + (unit || ""));
const pct = (v) => (v === null || v === undefined ? "–" : (Math.round(v * 1000) / 10) + "%");
const table = (cols, rows, empty) => rows.length === 0
  ? '<p class="empty">' + esc(empty) + "</p>"
  : "<table><thead><tr>" + cols.map((c) => "<th>" + esc(c) + "</th>").join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
const rateClass = (r) => (r && r > 0 ? ' class="num err"' : ' class="num"');
const stats = (t) =>
  '<td class="num calls">' + num(t.calls) + '</td><td class="num rps">' + num(t.rps, "/s") + "</td><td" + rateClass(t.errorRate) + ">" + pct(t.errorRate) +
  '</td><td class="num">' + num(t.p50Ms, " ms") + '</td><td class="num">' + num(t.p99Ms, " ms") + "</td>";
const statCols = ["calls", "calls/s", "errors", "p50", "p99"];

function graph(o) {
  const callers = [...new Set(o.edges.map((e) => e.caller))].sort();
  const services = [...new Set([...o.edges.map((e) => e.service), ...o.providers.map((p) => p.service)])].sort();
  const providerApps = [...new Set(o.providers.map((p) => p.app))].sort();
  if (!services.length) return '<p class="empty">no services seen yet</p>';
  const rowH = 46, w = 980, top = 30;
  const h = top + Math.max(callers.length, services.length, providerApps.length, 1) * rowH;
  const x = { caller: 20, service: 390, provider: 780 }, boxW = 190, boxH = 30;
  const y = (i) => top + i * rowH;
  const box = (cx, cy, label, kind, suffix) =>
    '<g data-node="' + esc(kind + ":" + label) + '"><rect x="' + cx + '" y="' + cy + '" width="' + boxW + '" height="' + boxH + '" rx="6" fill="' +
    (kind === "service" ? "#eef2ff" : kind === "caller" ? "#ecfdf5" : "#fff7ed") + '" stroke="#c7cdd8"/><text x="' + (cx + 10) + '" y="' + (cy + 19) + '">' +
    esc((label.length > 28 ? "…" + label.slice(-27) : label) + (suffix || "")) + "<title>" + esc(label) + "</title></text></g>";
  let svg = '<svg width="100%" viewBox="0 0 ' + w + " " + h + '" role="img" aria-label="who calls whom">';
  svg += '<text x="20" y="16" class="edge-label">callers</text><text x="390" y="16" class="edge-label">services</text><text x="780" y="16" class="edge-label">providers</text>';
  for (const e of o.edges) {
    const a = callers.indexOf(e.caller), b = services.indexOf(e.service);
    if (b < 0) continue;
    const y1 = y(a) + boxH / 2, y2 = y(b) + boxH / 2, x1 = x.caller + boxW, x2 = x.service;
    const color = e.errorRate && e.errorRate > 0.05 ? "#dc2626" : e.errorRate && e.errorRate > 0 ? "#d97706" : "#1f9d55";
    const width = 1.5 + Math.min(6, Math.log10(1 + e.rps) * 3);
    svg += '<path d="M' + x1 + " " + y1 + " C" + (x1 + 90) + " " + y1 + " " + (x2 - 90) + " " + y2 + " " + x2 + " " + y2 + '" fill="none" stroke="' + color + '" stroke-width="' + width + '" opacity=".8"/>';
    // Beside the caller's box: one row per caller, so labels never collide where edges converge.
    svg += '<text class="edge-label" x="' + (x1 + 8) + '" y="' + (y1 - 8) + '">' + esc(num(e.rps, "/s") + " · " + pct(e.errorRate) + " · p99 " + num(e.p99Ms, "ms")) + "</text>";
  }
  for (const p of o.providers) {
    const a = services.indexOf(p.service), b = providerApps.indexOf(p.app);
    const y1 = y(a) + boxH / 2, y2 = y(b) + boxH / 2, x1 = x.service + boxW, x2 = x.provider;
    svg += '<path d="M' + x1 + " " + y1 + " C" + (x1 + 80) + " " + y1 + " " + (x2 - 80) + " " + y2 + " " + x2 + " " + y2 + '" fill="none" stroke="#9ca3af" stroke-dasharray="4 3"/>';
  }
  callers.forEach((c, i) => (svg += box(x.caller, y(i), c, "caller")));
  services.forEach((s, i) => (svg += box(x.service, y(i), s, "service")));
  const instances = (app) => new Set(o.providers.filter((p) => p.app === app).map((p) => p.instance)).size;
  providerApps.forEach((p, i) => (svg += box(x.provider, y(i), p, "provider", instances(p) > 1 ? " ×" + instances(p) : "")));
  return svg + "</svg>";
}

function render(o) {
  document.getElementById("graph").innerHTML = graph(o);
  document.getElementById("edges").innerHTML = table(["caller", "service", ...statCols],
    o.edges.map((e) => '<tr data-edge="' + esc(e.caller + "→" + e.service) + '"><td>' + esc(e.caller) + "</td><td>" + esc(e.service) + "</td>" + stats(e) + "</tr>"), "no calls yet");
  document.getElementById("methods").innerHTML = table(["service", "method", ...statCols],
    o.methods.map((m) => '<tr data-method="' + esc(m.service + "/" + m.method) + '"><td>' + esc(m.service) + "</td><td>" + esc(m.method) + "</td>" + stats(m) + "</tr>"), "no calls yet");
  document.getElementById("providers").innerHTML = table(["service", "app", "address", "labels", "health"],
    o.providers.map((p) => '<tr data-provider="' + esc(p.instance) + '"><td>' + esc(p.service) + "</td><td>" + esc(p.app) + "</td><td>" + esc(p.address) + " <small>" + esc(p.protocol) + "</small></td><td>" +
      (Object.entries(p.labels).map(([k, v]) => '<span class="pill">' + esc(k + "=" + v) + "</span>").join("") || "–") + '</td><td class="up">' + esc(p.health) + "</td></tr>"), "no providers in discovery");
  document.getElementById("idl").innerHTML = table(["service", "protocol", "version", "versions", "pushed"],
    o.idl.map((s) => '<tr data-idl="' + esc(s.name) + '"><td>' + esc(s.name) + "</td><td>" + esc(s.protocol) + '</td><td class="num">v' + esc(s.version) + "</td><td>" + esc(s.versions.join(", ")) + "</td><td>" + esc(s.pushedAt) + "</td></tr>"), "no IDL pushed");
  document.getElementById("policies").innerHTML = o.policies === null ? '<p class="empty">no policy bucket yet</p>' : table(["policy", "revision", "updated"],
    o.policies.map((p) => '<tr data-policy="' + esc(p.key) + '"><td>' + esc(p.key) + '</td><td class="num">' + esc(p.revision) + "</td><td>" + esc(p.updated) + "</td></tr>"), "no policies");
  document.getElementById("status").textContent = o.instancesReporting + " sidecar(s) reporting · window " + o.windowSeconds + " s · updated " + new Date(o.at).toLocaleTimeString();
  document.getElementById("dot").className = "dot";
  document.body.dataset.updated = o.at;
}

async function refresh() {
  try {
    const res = await fetch("api/overview", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    render(await res.json());
  } catch (err) {
    document.getElementById("status").textContent = "control plane unreachable: " + err.message;
    document.getElementById("dot").className = "dot stale";
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
