import { dashboardGraphScript } from './dashboard-graph';

/**
 * The dashboard page's script: fetches `/api/overview` every 2 s and renders tables and charts.
 * Plain browser JavaScript in a string (no build step); the graph is in dashboard-graph.ts.
 */
export const dashboardScript = String.raw`
"use strict";
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v, unit) => (v === null || v === undefined ? "–" : (Math.round(v * 100) / 100).toLocaleString("en") + (unit || ""));
const pct = (v) => (v === null || v === undefined ? "–" : (Math.round(v * 1000) / 10) + "%");
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "–");
const table = (cols, rows, empty) => rows.length === 0
  ? '<p class="empty">' + esc(empty) + "</p>"
  : "<table><thead><tr>" + cols.map((c) => "<th>" + esc(c) + "</th>").join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
const topCodes = (codes, failures) => Object.entries(codes).filter(([c]) => FAILURES.has(c) === failures).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, n]) => c + " " + n).join(", ");
const FAILURES = new Set(["UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"]);

/** Now (the last ~10 s) when there were calls; else the last 15 minutes, greyed, so a quiet mesh still shows what happened. */
function stats(t) {
  const now = t.calls > 0;
  const s = now ? t : t.span;
  const cls = now ? "num" : "num past";
  const title = now ? "" : ' title="last 15 min"';
  const fail = s.failureRate && s.failureRate > 0 ? ' class="' + cls + ' err"' : ' class="' + cls + '"';
  return '<td class="num rps">' + num(t.rps, "/s") + '</td><td' + fail + title + ' data-failure-rate="' + esc(s.failureRate === null ? "" : s.failureRate) + '">' + pct(s.failureRate) +
    (s.failureRate ? ' <small title="' + esc(topCodes(s.codes, true)) + '">' + esc(topCodes(s.codes, true)) + "</small>" : "") + "</td>" +
    '<td class="' + cls + ' answers"' + title + ">" + pct(s.answerRate) + (s.answerRate ? " <small>" + esc(topCodes(s.codes, false)) + "</small>" : "") + "</td>" +
    '<td class="' + cls + '"' + title + ">" + num(s.p50Ms, " ms") + '</td><td class="' + cls + '"' + title + ">" + num(s.p99Ms, " ms") + '</td><td class="num calls">' + num(t.total) + '</td><td class="num">' + time(t.lastCallAt) + "</td>";
}
const statCols = ["calls/s", "failures", "other answers", "p50", "p99", "calls", "last call"];

/** One small line chart of a value over the span: a polyline per series, its maximum on the axis. */
function chart(points, series, fmt, kind, o) {
  const w = 300, h = 64, pad = 14;
  // The control plane's clock, not the browser's: points are stamped by it.
  const span = Math.max(o.spanSeconds, o.stepSeconds), t1 = Date.parse(o.at), t0 = t1 - span * 1000;
  const ago = span >= 120 ? Math.round(span / 60) + " min" : Math.round(span) + " s";
  let max = 0;
  for (const p of points) for (const s of series) if (p[s.key] !== null && p[s.key] > max) max = p[s.key];
  if (max === 0) max = kind === "failure" ? 0.01 : 1;
  const x = (t) => Math.max(0, Math.min(w, ((t - t0) / (t1 - t0)) * w));
  const y = (v) => h - pad - (v / max) * (h - pad - 4);
  let svg = '<svg viewBox="0 0 ' + w + " " + h + '" preserveAspectRatio="none" data-chart-kind="' + kind + '" data-points="' + points.length + '">';
  svg += '<line x1="0" y1="' + (h - pad) + '" x2="' + w + '" y2="' + (h - pad) + '" stroke="#e5e7eb"/>';
  for (const s of series) {
    const pts = points.filter((p) => p[s.key] !== null).map((p) => x(p.t).toFixed(1) + "," + y(p[s.key]).toFixed(1));
    if (pts.length === 1) pts.push((x(points[points.length - 1].t) - 2).toFixed(1) + "," + pts[0].split(",")[1]);
    if (pts.length) svg += '<polyline fill="none" stroke="' + s.color + '" stroke-width="1.6"' + (s.dash ? ' stroke-dasharray="4 2"' : "") + ' points="' + pts.join(" ") + '" vector-effect="non-scaling-stroke"/>';
  }
  svg += '<text class="axis" x="2" y="10">max ' + esc(fmt(max)) + '</text><text class="axis" x="2" y="' + (h - 2) + '">−' + ago + '</text><text class="axis" x="' + (w - 2) + '" y="' + (h - 2) + '" text-anchor="end">now</text>';
  return '<div class="chart">' + svg + "</svg></div>";
}

function charts(o) {
  const rows = [];
  const add = (kind, name, points) => {
    rows.push('<div class="name" data-chart="' + esc(kind + ":" + name) + '">' + esc(name) + "</div>" +
      chart(points, [{ key: "rps", color: "#2563eb" }], (v) => num(v, "/s"), "rps", o) +
      chart(points, [{ key: "failureRate", color: "#dc2626" }], pct, "failure", o) +
      chart(points, [{ key: "p50Ms", color: "#059669" }, { key: "p99Ms", color: "#7c3aed", dash: true }], (v) => num(v, " ms"), "latency", o));
  };
  for (const [name, points] of Object.entries(o.charts.services)) add("service", name, points);
  for (const [name, points] of Object.entries(o.charts.edges)) add("edge", name, points);
  if (!rows.length) return '<p class="empty">no calls in the last 15 minutes (a point every ' + esc(o.stepSeconds) + " s)</p>";
  return '<div class="charts"><div class="head">service / caller → service</div><div class="head">calls/s</div><div class="head">failure rate</div><div class="head">latency</div>' + rows.join("") + "</div>";
}

function policies(o) {
  if (o.policies === null) return '<p class="empty">the policy store cannot be read</p>';
  return table(["service", "revision", "applied", "routes (the split in force)", "also sets", "sidecars running it"], o.policies.map((p) =>
    '<tr data-policy="' + esc(p.service) + '"><td>' + esc(p.service) + '</td><td class="num">r' + esc(p.revision) + ' <small title="every revision">of ' + esc(p.revisions.join(", ")) + "</small></td><td>" +
    esc(time(p.appliedAt)) + " <small>" + esc(p.how + (p.by ? " by " + p.by : "")) + "</small></td><td>" + (p.routes.length ? p.routes.map((r) => esc(r)).join("<br>") : "–") + "</td><td>" + (esc(p.sets.join(", ")) || "–") + "</td><td>" +
    '<span class="pill" title="' + esc(p.running.join("\n")) + '">' + esc(p.running.length) + " on r" + esc(p.revision) + "</span>" +
    p.behind.map((b) => '<span class="pill behind" data-behind="' + esc(b.sidecar) + '" title="' + esc(b.error || "") + '">' + esc(b.sidecar.split("/")[0]) + " on " + esc(b.revision === null ? "none" : "r" + b.revision) + "</span>").join("") + "</td></tr>"), "no policies applied");
}

function render(o) {
  document.getElementById("graph").innerHTML = graph(o);
  document.getElementById("services").innerHTML = table(["service", ...statCols],
    o.serviceTraffic.map((s) => '<tr data-service="' + esc(s.service) + '"><td>' + esc(s.service) + "</td>" + stats(s) + "</tr>"), "no calls yet");
  document.getElementById("charts").innerHTML = charts(o);
  document.getElementById("edges").innerHTML = table(["caller", "service", ...statCols],
    o.edges.map((e) => '<tr data-edge="' + esc(e.caller + "→" + e.service) + '"><td>' + esc(e.caller) + "</td><td>" + esc(e.service) + "</td>" + stats(e) + "</tr>"), "no calls yet");
  document.getElementById("methods").innerHTML = table(["service", "method", ...statCols],
    o.methods.map((m) => '<tr data-method="' + esc(m.service + "/" + m.method) + '"><td>' + esc(m.service) + "</td><td>" + esc(m.method) + "</td>" + stats(m) + "</tr>"), "no calls yet");
  document.getElementById("policies").innerHTML = policies(o);
  document.getElementById("quotas").innerHTML = o.quotas === null ? '<p class="empty">the quota counters cannot be read</p>' : table(["caller", "service", "used", "per"],
    o.quotas.map((q) => '<tr data-quota="' + esc(q.caller + "→" + q.service) + '"><td>' + esc(q.caller) + "</td><td>" + esc(q.service) + (q.methods.length ? " <small>" + esc(q.methods.join(", ")) + "</small>" : "") +
      '</td><td class="num"><span class="bar"><i' + (q.used >= q.limit ? ' class="full"' : "") + ' style="width:' + (q.limit ? Math.min(100, (q.used / q.limit) * 100) : 100) + '%"></i></span>' + esc(q.used + " / " + q.limit) + "</td><td>" + esc(q.per) + "</td></tr>"), "no quotas in any policy");
  document.getElementById("denials").innerHTML = table(["caller → service", "last 15 min", "since start"],
    o.denials.map((d) => '<tr data-denial="' + esc(d.caller + "→" + d.service) + '"><td>' + esc(d.caller + " → " + d.service) + '</td><td class="num' + (d.span ? " err" : "") + '">' + esc(d.span) + '</td><td class="num">' + esc(d.total) + "</td></tr>"), "no call refused by access");
  document.getElementById("providers").innerHTML = table(["service", "app", "address", "labels", "health"],
    o.providers.map((p) => '<tr data-provider="' + esc(p.instance) + '"><td>' + esc(p.service) + "</td><td>" + esc(p.app) + "</td><td>" + esc(p.address) + " <small>" + esc(p.protocol) + "</small></td><td>" +
      (Object.entries(p.labels).map(([k, v]) => '<span class="pill">' + esc(k + "=" + v) + "</span>").join("") || "–") + '</td><td class="up">' + esc(p.health) + "</td></tr>"), "no providers in discovery");
  document.getElementById("idl").innerHTML = table(["service", "protocol", "version", "pushed"],
    o.idl.map((s) => '<tr data-idl="' + esc(s.name) + '"><td>' + esc(s.name) + "</td><td>" + esc(s.protocol) + '</td><td class="num">v' + esc(s.version) + ' <small title="every version">of ' + esc(s.versions.length) + "</small></td><td>" + esc(time(s.pushedAt)) + "</td></tr>"), "no IDL pushed");
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
${dashboardGraphScript}
refresh();
setInterval(refresh, 2000);
`;
