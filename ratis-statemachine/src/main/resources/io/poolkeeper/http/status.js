// The status page: polls /api/status every second and follows /api/events (Server-Sent Events). Plain ES2020, no
// build step, no dependency. Every value is written with textContent, never parsed as HTML.
"use strict";

const POLL_MS = 1000;
const KEEP_EVENTS = 50;
const events = []; // latest last, at most KEEP_EVENTS
let lastToken = null;
let source = null;
let refreshQueued = false;
let names = new Map(); // uuid -> name of hosts, VMs and SRs, so events name them as the tables do

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function pill(text, cls) {
  return el("span", text, "pill " + (cls || text));
}

function yesNo(v) {
  return el("span", v ? "yes" : "no", v ? "yes" : "no");
}

function row(cells, attrs) {
  const tr = document.createElement("tr");
  for (const [k, v] of Object.entries(attrs || {})) tr.setAttribute(k, v);
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c);
    else if (c && typeof c === "object") { td.textContent = c.text ?? ""; td.className = c.cls || ""; }
    else td.textContent = c ?? "";
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableId, rows) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren(...rows);
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function setPill(id, text, cls) {
  const e = document.getElementById(id);
  e.textContent = text;
  e.className = "pill " + (cls || text);
}

function render(s) {
  names = new Map([...s.hosts, ...s.vms, ...s.srs].map((o) => [o.uuid, o.nameLabel]));
  const me = s.servedBy;
  setText("served-by", me.nameLabel + " (" + me.serviceAddress + ")");
  setPill("served-by-role", me.role);
  document.title = "poolkeeper: " + me.nameLabel + " " + me.role;
  const pool = s.pool;
  setText("pool-name", pool ? pool.nameLabel : "(none)");
  setText("generation", pool ? pool.generation : "-");
  setText("ha", pool && pool.haEnabled ? "on, T=" + pool.haTimeoutSeconds + " s, plan for " + pool.haPlanExistsFor
      + " of " + pool.haHostFailuresToTolerate + (pool.haOvercommitted ? " (OVERCOMMITTED)" : "") : "off");
  const masterHost = s.hosts.find((h) => pool && h.uuid === pool.master);
  const cutOff = me.role === "NO_MASTER" || me.role === "EMERGENCY" || me.role === "FENCED";
  // Without a master the record still names the last one: say that this member cannot reach it.
  if (masterHost && cutOff) setPill("master", masterHost.nameLabel + " (last recorded; unreachable)", "DEAD");
  else if (masterHost && masterHost.status === "MASTER") setPill("master", masterHost.nameLabel, "MASTER");
  else if (masterHost) setPill("master", masterHost.nameLabel + " (" + masterHost.status + ")", "DEAD");
  else setPill("master", "none", "DEAD");

  const banner = document.getElementById("banner");
  const problems = [];
  if (me.role === "EMERGENCY") problems.push("This member is in EMERGENCY mode: no master. Writes are refused.");
  if (me.role === "FENCED") problems.push("This member FENCED itself (pool HA): its VMs were hard-stopped.");
  if (me.role === "NO_MASTER") problems.push("This member knows no master (retrying).");
  banner.textContent = problems.join(" ");
  banner.classList.toggle("hidden", problems.length === 0);

  const alerts = document.getElementById("alerts");
  const items = s.alerts.map((a) => el("li", a));
  for (const e of s.alertEvents.slice(-10).reverse()) {
    items.push(el("li", "#" + e.token + " " + e.name + " " + Object.values(e.params).join(" ")));
  }
  alerts.replaceChildren(...(items.length ? items : [el("li", "none", "none")]));

  setText("host-count", "(" + s.hosts.length + ", " + s.hosts.filter((h) => h.live).length + " live)");
  fill("hosts", s.hosts.map((h) => row([
    pill(h.status),
    h.nameLabel + (h.servingThisPage ? "  (this page)" : ""),
    { text: h.uuid, cls: "uuid" },
    h.address,
    yesNo(h.live),
    yesNo(h.enabled),
    pill(h.haState),
    h.quorumRole,
    h.memberRole ? pill(h.memberRole) : "",
  ], { "data-host": h.uuid, "data-status": h.status, "data-name": h.nameLabel,
       class: h.status === "DEAD" || h.status === "FENCED" ? "bad" : "" })));

  setText("vm-count", "(" + s.vms.length + ")");
  fill("vms", s.vms.map((v) => row([
    v.nameLabel,
    pill(v.powerState),
    v.residentOnName || v.residentOn || "",
    v.haRestartPriority.toLowerCase() + (v.haProtected ? " (protected)" : ""),
    v.currentOperation || "",
    { text: v.uuid, cls: "uuid" },
  ], { "data-vm": v.uuid, "data-power-state": v.powerState })));

  setText("sr-count", "(" + s.srs.length + ")");
  fill("srs", s.srs.map((r) => row([
    r.nameLabel, r.type, yesNo(r.shared), r.isDefault ? "default" : "", r.attachedOn.join(", "),
    { text: r.uuid, cls: "uuid" },
  ], { "data-sr": r.uuid })));

  if (lastToken === null) {
    for (const e of s.events) addEvent(e, false);
    lastToken = s.events.length ? s.events[s.events.length - 1].token : 0;
    renderEvents();
    follow();
  }
}

function addEvent(e, show) {
  // A new pool generation numbers its events from 1 again: what came before is another history.
  if (e.name === "EVENTS_LOST" && e.token === 0) events.length = 0;
  else if (events.some((x) => x.token === e.token && x.name === e.name)) return;
  events.push(e);
  while (events.length > KEEP_EVENTS) events.shift();
  if (show) renderEvents();
}

function renderEvents() {
  const list = document.getElementById("events");
  list.replaceChildren(...events.slice().reverse().map((e) => {
    const params = Object.entries(e.params).map(([k, v]) => k + "=" + (names.get(v) || v)).join(" ");
    const text = ("#" + e.token).padEnd(7) + " " + e.kind.padEnd(8) + " " + e.name + " " + params
        + (e.rejectedWith ? "  -> " + e.rejectedWith : "");
    return el("li", text, e.kind);
  }));
}

function connection(ok, text) {
  setPill("connection", text, ok ? "live" : "down");
}

async function poll() {
  try {
    const r = await fetch("api/status", { cache: "no-store" });
    const body = await r.json();
    if (!r.ok) {
      connection(false, "member " + (body.role || "") + " " + (body.error || r.status));
      return;
    }
    render(body);
    if (source === null || source.readyState !== EventSource.OPEN) connection(true, "polling");
    else connection(true, "updating live");
  } catch (err) {
    connection(false, "member unreachable");
  }
}

function refreshSoon() {
  if (refreshQueued) return;
  refreshQueued = true;
  setTimeout(() => { refreshQueued = false; poll(); }, 100);
}

function follow() {
  if (!window.EventSource) return;
  source = new EventSource("api/events?from=" + encodeURIComponent(lastToken));
  source.addEventListener("pool-event", (m) => {
    addEvent(JSON.parse(m.data), true);
    refreshSoon();
  });
  source.onopen = () => connection(true, "updating live");
  source.onerror = () => connection(false, "events reconnecting");
}

poll();
setInterval(poll, POLL_MS);
