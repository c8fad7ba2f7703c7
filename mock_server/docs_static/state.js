// The live state page: polls the admin API (/__mock/state, /__mock/requests, /__mock/faults)
// every POLL_MS and redraws. Text goes in with textContent only: transcripts are user input.
(function () {
  "use strict";
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  let projects = {};

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    });
    children.forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return node;
  }

  async function getJSON(url) {
    const res = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return res.json();
  }

  function projectLabel(id) {
    const p = projects[id];
    return p ? `${p.name} (${id})` : id == null ? "—" : String(id);
  }

  function renderRooms(rooms) {
    $("rooms-count").textContent = `(${rooms.length})`;
    const box = $("rooms");
    box.replaceChildren(...(rooms.length ? rooms.map((r) => {
      const people = r.participants.map((p) => {
        const isAgent = p.kind === "AGENT";
        return el("span", { class: "participant" + (isAgent ? " agent" : ""), "data-identity": p.identity, "data-kind": p.kind },
          p.identity, p.name && p.name !== p.identity ? ` (${p.name})` : "",
          ...(isAgent ? [el("span", { class: "badge" }, "AGENT")] : []));
      });
      return el("div", { class: "room", "data-room": r.fullName },
        el("strong", {}, r.fullName), ` · ${projectLabel(r.project_id)} · ${r.participants.length} participant(s)`,
        el("div", {}, ...(people.length ? people : [el("span", { class: "empty" }, "nobody")])));
    }) : [el("p", { class: "empty" }, "No rooms.")]));
  }

  function renderSessions(sessions) {
    $("sessions-count").textContent = `(${sessions.length})`;
    const box = $("sessions");
    box.replaceChildren(...(sessions.length ? sessions.slice().reverse().map((item) => {
      const s = item.session;
      const lines = (item.transcript || []).map((t) => el("li", { class: t.is_final === false ? "interim" : "" },
        el("span", { class: "speaker" }, `${t.sequence ?? ""} ${t.speaker}:`), t.content));
      return el("div", { class: "session" + (s.status === "active" ? "" : " ended"), "data-room": s.room_name },
        el("strong", {}, s.room_name), ` · ${s.status} · ${s.session_type} · ${projectLabel(item.project_id)}`,
        s.caller_identity ? ` · caller ${s.caller_identity}` : "",
        s.summary ? el("div", {}, `summary: ${s.summary}`) : "",
        el("ul", { class: "transcript" }, ...lines));
    }) : [el("p", { class: "empty" }, "No sessions.")]));
  }

  function renderJournal(entries) {
    const rows = entries.slice(-50).reverse().map((e) => el("tr", {},
      el("td", {}, (e.at || "").replace("T", " ").replace(/\+00:00|Z$/, "")),
      el("td", {}, e.method), el("td", {}, e.path), el("td", {}, e.operation_id || "—"),
      el("td", { class: e.status >= 400 || e.status === 0 ? "status-error" : "" }, e.status),
      el("td", {}, Number(e.duration_ms).toFixed(1)), el("td", {}, projectLabel(e.project_id)),
      el("td", { class: "error" }, e.error || "")));
    $("journal").tBodies[0].replaceChildren(...rows);
  }

  const SCOPE_KEYS = ["project_id", "test_id"];

  // One row per rule: GET /__mock/faults lists each operation's rules, one per scope.
  function renderFaults(faults) {
    const rows = Object.entries(faults).flatMap(([op, rules]) => (Array.isArray(rules) ? rules : [rules]).map((rule) => {
      const scope = new URLSearchParams();
      SCOPE_KEYS.forEach((k) => { if (rule[k] != null && rule[k] !== "") scope.set(k, rule[k]); });
      const what = Object.fromEntries(Object.entries(rule).filter(([k]) => !SCOPE_KEYS.includes(k)));
      const label = [rule.project_id != null ? `project ${projectLabel(rule.project_id)}` : "", rule.test_id ? `test ${rule.test_id}` : ""]
        .filter(Boolean).join(", ") || "every request";
      const url = `/__mock/faults/${encodeURIComponent(op)}${scope.toString() ? "?" + scope : ""}`;
      const clear = el("button", { type: "button", class: "fault-clear", "data-operation": op }, "Clear");
      clear.addEventListener("click", () => send("DELETE", url, null, `Cleared the fault on ${op} (${label}).`));
      return el("tr", { "data-operation": op }, el("td", {}, op), el("td", {}, label), el("td", {}, JSON.stringify(what)), el("td", {}, clear));
    }));
    $("faults").tBodies[0].replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { class: "empty", colspan: "4" }, "No faults."))]));
  }

  async function send(method, url, body, okText) {
    const msg = $("fault-message");
    try {
      const res = await fetch(url, {
        method, headers: body ? { "Content-Type": "application/json", Accept: "application/json" } : { Accept: "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) {
        const err = await res.json().catch(() => ({}));
        msg.className = "";
        msg.textContent = `${res.status}: ${err.message || res.statusText}`;
        return;
      }
      msg.className = "ok";
      msg.textContent = okText;
      await refresh();
    } catch (err) {
      msg.className = "";
      msg.textContent = String(err);
    }
  }

  function faultFromForm() {
    const rule = {};
    const num = (id) => $(id).value.trim();
    if (num("fault-latency")) rule.latency_ms = parseInt(num("fault-latency"), 10);
    if (num("fault-status")) rule.status = parseInt(num("fault-status"), 10);
    if (num("fault-rate")) rule.error_rate = parseFloat(num("fault-rate"));
    if (num("fault-drop")) rule.drop_field = num("fault-drop");
    if (num("fault-times")) rule.times = parseInt(num("fault-times"), 10);
    if ($("fault-project").value) rule.project_id = parseInt($("fault-project").value, 10);
    return rule;
  }

  async function refresh() {
    const projectId = $("project-filter").value;
    const query = projectId ? `?project_id=${encodeURIComponent(projectId)}` : "";
    const journalQuery = `?limit=50${projectId ? `&project_id=${encodeURIComponent(projectId)}` : ""}`;
    const [state, journal, faults] = await Promise.all([
      getJSON(`/__mock/state${query}`), getJSON(`/__mock/requests${journalQuery}`), getJSON("/__mock/faults"),
    ]);
    renderRooms(state.rooms);
    renderSessions(state.sessions);
    renderJournal(journal.requests);
    renderFaults(faults.faults);
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  async function poll() {
    try { await refresh(); } catch (err) { $("updated").textContent = `update failed: ${err.message}`; }
    setTimeout(poll, POLL_MS);
  }

  async function main() {
    const index = await getJSON("/__mock/");
    const filter = $("project-filter");
    index.projects.forEach((p) => {
      projects[p.id] = p;
      filter.append(el("option", { value: String(p.id) }, `${p.name} (project ${p.id}, ${p.room_prefix}…)`));
      $("fault-project").append(el("option", { value: String(p.id) }, `${p.name} (${p.id})`));
    });
    const ops = $("fault-operation");
    index.operations.forEach((op) => ops.append(el("option", { value: op }, op)));
    filter.addEventListener("change", () => refresh().catch(() => {}));
    $("fault-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const op = ops.value;
      send("PUT", `/__mock/faults/${encodeURIComponent(op)}`, faultFromForm(), `Fault set on ${op}.`);
    });
    $("faults-clear-all").addEventListener("click", () => send("DELETE", "/__mock/faults", null, "Cleared every fault."));
    poll();
  }

  main();
})();
