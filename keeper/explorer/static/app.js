"use strict";
// The explorer page: reads /api/* (the keeper's read API over the RPC node) and renders it.
// Amounts arrive as integers of base units, as strings once they pass 2^53: BigInt keeps them exact.

const REFRESH_MS = 10000;
const state = { info: null, kind: "jobs", filters: {}, page: 1, perPage: 25, pages: 1, totals: null, tableRequest: 0 };

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function el(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child);
  return element;
}

function grouped(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// "500,000,123.45 IO" from base units, exact to the last digit.
function amount(raw, decimals, symbol) {
  const value = BigInt(raw);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = grouped((abs / scale).toString());
  const fraction = decimals > 0 ? (abs % scale).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  return `${negative ? "-" : ""}${whole}${fraction ? "." + fraction : ""}${symbol ? " " + symbol : ""}`;
}

function count(raw) {
  return grouped(String(raw));
}

function io(raw) {
  return amount(raw, state.totals ? state.totals.io_decimals : 9, "IO");
}

// Cards show whole units to 2 decimals (cut, not rounded); the exact figure is in their title.
function ioShort(raw) {
  const decimals = state.totals ? state.totals.io_decimals : 9;
  const cut = BigInt(raw) / 10n ** BigInt(decimals - 2);
  return amount(cut, 2, "IO");
}

function compactIo(value) {
  const units = Number(value) / 1e9;
  for (const [limit, suffix] of [[1e9, "B"], [1e6, "M"], [1e3, "k"]]) if (units >= limit) return `${(units / limit).toFixed(1)}${suffix}`;
  return units.toFixed(units < 10 ? 2 : 0);
}

function when(unix) {
  return new Date(Number(unix) * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function short(address) {
  return typeof address === "string" && address.length > 20 ? `${address.slice(0, 6)}…${address.slice(-4)}` : String(address);
}

function card(key, title, raw, shown, ...lines) {
  return el("div", { class: "card", dataset: { total: key } },
    el("h3", {}, title),
    el("div", { class: "value", dataset: { raw: String(raw) }, title: `${raw} base units` }, shown),
    el("div", { class: "sub" }, lines.map((line) => (line instanceof Node ? line : el("div", {}, line)))));
}

function renderTotals(t) {
  state.totals = t;
  const s = t.supply, e = t.emission, k = t.staking, j = t.jobs, f = t.fees, p = t.provenance;
  // supply ≤ genesis + emitted − burned by the protocol; IO burned directly with SPL Token is the difference.
  const outside = BigInt(s.burned_outside_protocol);
  const check = el("div", { class: s.consistent ? "ok" : "bad", dataset: { check: "supply", outside: String(s.burned_outside_protocol) } },
    `${s.consistent ? "✓" : "✗"} genesis ${compactIo(s.genesis)} + emitted − burned = ${io(s.expected)}` +
    (outside > 0n ? `; ${io(s.burned_outside_protocol)} burned outside the protocol` : ""));
  const fees = f.available
    ? f.by_mint.map((m) => el("div", { dataset: { fee: m.symbol, raw: String(m.amount) } }, amount(m.amount, m.decimals, m.symbol)))
    : [el("div", { class: "bad" }, `history unavailable: ${f.error}`)];
  const feeCard = card("fees", "Fees collected", f.by_mint.length, "", "reservation, facilitation and network fees");
  feeCard.querySelector(".value").replaceChildren(...(fees.length ? fees : ["none yet"]));
  const settled = j.settled === null ? "n/a" : count(j.settled);
  const cancelled = j.cancelled === null ? "n/a" : count(j.cancelled);
  document.getElementById("totals").replaceChildren(
    card("supply", "IO supply", s.on_chain, ioShort(s.on_chain), check),
    card("emitted", "IO emitted", s.emitted, ioShort(s.emitted),
      `schedule through hour ${count(e.hours_due)}: ${io(e.scheduled_now)}`,
      el("div", { class: e.hours_behind === 0 ? "ok" : "bad" }, e.hours_behind === 0 ? "keeper is up to date" : `${count(e.hours_behind)} hours behind`)),
    card("burned", "IO burned", s.burned, ioShort(s.burned), "IO jobs' token share and slashed stake"),
    card("staked", "IO staked", k.staked, ioShort(k.staked), `${count(k.nodes)} nodes, ${count(k.active_nodes)} active`),
    card("slashed", "Slashed", k.slashed, ioShort(k.slashed), `${count(k.slashes)} slashes`),
    card("jobs", "Jobs in escrow", j.live, count(j.live),
      el("div", { dataset: { jobs: "by-status" } }, Object.entries(j.by_status).map(([name, n]) => `${name} ${count(n)}`).join(" · ")),
      `settled ${settled} · cancelled ${cancelled}`),
    feeCard,
    card("receipts", "Receipts proven", p.receipts, count(p.receipts), `${count(p.batches)} batches on chain`),
  );
  document.getElementById("chain-time").textContent = when(t.chain_time);
  document.body.dataset.totals = "ready";
}

function renderCharts(c) {
  const start = state.totals ? state.totals.emission.start_ts : 0;
  // Chain time as hours since the emission start (the schedule's clock), minutes when zoomed in.
  const hours = (x) => {
    const seconds = Math.max(0, x - start);
    const minutes = Math.floor((seconds % 3600) / 60);
    return minutes === 0 ? `h${Math.floor(seconds / 3600)}` : `h${Math.floor(seconds / 3600)}:${String(minutes).padStart(2, "0")}`;
  };
  Charts.line(document.getElementById("chart-emission"), {
    series: [
      { name: "schedule", color: "#8d98b3", dashed: true, points: c.emission.schedule.map(([x, y]) => [x, Number(y)]) },
      { name: "emitted on chain", color: "#4da3ff", step: true, points: c.emission.emitted.map(([x, y]) => [x, Number(y)]) },
    ],
    xFormat: hours, yFormat: compactIo, emptyMessage: "no emission hour has ended yet",
  });
  Charts.line(document.getElementById("chart-burns"), {
    series: [{ name: "cumulative burned", color: "#ff5c6c", step: true, points: c.burns.map(([x, , total]) => [x, Number(total)]) }],
    xFormat: hours, yFormat: compactIo, emptyMessage: "nothing burned yet",
  });
  const top = c.stake_by_node.top.map((n) => ({ label: short(n.node_key), value: Number(n.stake), title: `${n.node}: ${io(n.stake)}` }));
  Charts.bars(document.getElementById("chart-stake"), { items: top, valueFormat: compactIo, color: "#3ecf8e", emptyMessage: "no stake yet" });
  // The rest as a note, not a bar: 9,980 small nodes together would dwarf the 20 shown.
  const others = document.getElementById("stake-others");
  others.dataset.others = String(c.stake_by_node.other_nodes);
  others.textContent = c.stake_by_node.other_nodes > 0
    ? `+ ${count(c.stake_by_node.other_nodes)} other nodes with ${io(c.stake_by_node.others)}` : "";
  Charts.line(document.getElementById("chart-receipts"), {
    series: [{ name: "receipts", color: "#ffb547", step: true, points: c.receipts.map(([x, y]) => [x, Number(y)]) }],
    xFormat: hours, yFormat: (v) => count(Math.round(v)), emptyMessage: "no batches recorded yet",
  });
  document.body.dataset.charts = "ready";
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    renderTotals(await api("/api/totals"));
    renderCharts(await api("/api/charts"));
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = "";
  } catch (error) {
    status.textContent = `error: ${error.message}`;
    status.className = "bad";
  }
}

// --- tables -------------------------------------------------------------------------------

function renderTabs() {
  const tabs = Object.keys(state.info.tables).map((kind) =>
    el("button", { type: "button", role: "tab", "aria-selected": String(kind === state.kind), dataset: { kind }, onclick: () => selectTable(kind) }, kind));
  document.getElementById("table-tabs").replaceChildren(...tabs);
}

function renderFilters() {
  const filters = state.info.tables[state.kind].filters;
  const fields = Object.entries(filters).map(([name, spec]) => {
    const control = spec.kind === "enum"
      ? el("select", { name }, el("option", { value: "" }, "any"), spec.choices.map((choice) => el("option", { value: choice }, choice)))
      : el("input", { name, placeholder: spec.kind === "pubkey" ? "address" : "number" });
    control.value = state.filters[name] || "";
    return el("label", {}, name.replace("_", " "), control);
  });
  const form = document.getElementById("table-filters");
  form.replaceChildren(...fields, el("button", { type: "submit" }, "Filter"), el("button", { type: "reset" }, "Clear"));
}

function selectTable(kind) {
  Object.assign(state, { kind, filters: {}, page: 1 });
  renderTabs();
  renderFilters();
  loadTable();
}

function cell(column, value) {
  if (typeof value === "string" && value.length > 40) return el("td", { title: value }, short(value));
  if (/_at$|_until$|^timestamp$|_ts$/.test(column) && Number(value) > 0) return el("td", { title: String(value) }, when(value));
  if (typeof value === "number" || /^\d+$/.test(String(value))) return el("td", { class: "num" }, count(value));
  return el("td", {}, String(value));
}

async function loadTable() {
  const params = new URLSearchParams({ page: state.page, per_page: state.perPage });
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  const errorBox = document.getElementById("table-error");
  // Only the newest request may draw: an older, slower answer must not replace it.
  const request = ++state.tableRequest;
  document.body.dataset.table = "loading";
  try {
    const page = await api(`/api/tables/${state.kind}?${params}`);
    if (request !== state.tableRequest) return;
    errorBox.hidden = true;
    state.pages = page.pages;
    const table = document.getElementById("table");
    table.dataset.kind = page.kind;
    table.dataset.total = String(page.total);
    table.tHead.replaceChildren(el("tr", {}, el("th", {}, "address"), page.columns.map((c) => el("th", {}, c))));
    table.tBodies[0].replaceChildren(...page.rows.map((row) =>
      el("tr", { dataset: { address: row.address }, onclick: () => showDetail(row) },
        el("td", { title: row.address }, short(row.address)), page.columns.map((c) => cell(c, row[c])))));
    document.getElementById("page-info").textContent =
      `page ${count(page.page)} of ${count(page.pages)} · ${count(page.total)} ${page.kind}`;
    document.getElementById("prev-page").disabled = page.page <= 1;
    document.getElementById("next-page").disabled = page.page >= page.pages;
    document.body.dataset.table = "ready";
  } catch (error) {
    if (request !== state.tableRequest) return;
    errorBox.textContent = error.message;
    errorBox.hidden = false;
    document.body.dataset.table = "error";
  }
}

// An address opens that account, decoded; a number lists the jobs with that job id.
async function search(query) {
  const text = query.trim();
  if (!text) return;
  if (/^\d+$/.test(text)) {
    Object.assign(state, { kind: "jobs", filters: { job_id: text }, page: 1 });
    renderTabs();
    renderFilters();
    await loadTable();
    return;
  }
  const errorBox = document.getElementById("table-error");
  try {
    showDetail(await api(`/api/accounts/${encodeURIComponent(text)}`));
    errorBox.hidden = true;
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
    document.getElementById("detail").hidden = true;
  }
  document.querySelector(".tables").scrollIntoView();
}

function showDetail(row) {
  const detail = document.getElementById("detail");
  detail.textContent = JSON.stringify(row, null, 2);
  detail.hidden = false;
}

// --- receipt checker ------------------------------------------------------------------------

async function checkReceipt() {
  const result = document.getElementById("receipt-result");
  result.dataset.verdict = "checking";
  result.replaceChildren("checking…");
  let body;
  try {
    body = JSON.parse(document.getElementById("receipt-input").value);
  } catch (error) {
    result.dataset.verdict = "error";
    result.replaceChildren(el("div", { class: "verdict bad" }, `not JSON: ${error.message}`));
    return;
  }
  try {
    const check = await api("/api/receipts/check", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    result.dataset.verdict = check.valid ? "valid" : "invalid";
    result.replaceChildren(
      el("div", { class: `verdict ${check.valid ? "ok" : "bad"}` }, check.valid ? "✓ Receipt verified on chain" : "✗ Receipt NOT verified"),
      el("ul", {},
        el("li", {}, `leaf ${check.leaf}`),
        el("li", {}, check.batch_root ? `batch ${check.sequence} root on chain ${check.batch_root}` : `batch ${check.sequence}: not on chain`),
        el("li", {}, `proof folds to that root: ${check.proof_matches_root ? "yes" : "no"}`),
        el("li", {}, `provenance.verify_receipt: ${check.verified_on_chain ? "accepted" : "rejected" + (check.error ? ` (${check.error})` : "")}`)));
  } catch (error) {
    result.dataset.verdict = "error";
    result.replaceChildren(el("div", { class: "verdict bad" }, error.message));
  }
}

// --- start ----------------------------------------------------------------------------------

async function start() {
  try {
    state.info = await api("/api/info");
  } catch (error) {
    document.getElementById("status").textContent = `error: ${error.message}`;
    return;
  }
  document.getElementById("rpc-url").textContent = `RPC ${state.info.rpc_url}`;
  const form = document.getElementById("table-filters");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.filters = Object.fromEntries(new FormData(form).entries());
    state.page = 1;
    loadTable();
  });
  form.addEventListener("reset", () => { state.filters = {}; state.page = 1; setTimeout(loadTable); });
  document.getElementById("prev-page").addEventListener("click", () => { state.page = Math.max(1, state.page - 1); loadTable(); });
  document.getElementById("next-page").addEventListener("click", () => { state.page = Math.min(state.pages, state.page + 1); loadTable(); });
  document.getElementById("receipt-check").addEventListener("click", checkReceipt);
  const searchForm = document.getElementById("search");
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    search(new FormData(searchForm).get("q"));
  });
  selectTable("jobs");
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

start();
