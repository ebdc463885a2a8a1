// Operator pages (policy lets only admins read /devices and /deploys):
// devices with reachability, health and, for a pair, the HA role of each,
// load balancers per device, the last deploys, and a live chart.

import { call, session } from "./api.js";
import { badge, h, heading, replace, table, when } from "./dom.js";
import { barChart } from "./chart.js";
import { poll } from "./poll.js";
import { requestRates } from "./metrics.js";

function notOperator(main, what) {
  main.replaceChildren(heading(what),
    h("p", {}, "Only operators (the admin role) may see this page."));
}

// the prober's word (ONLINE, DEGRADED, OFFLINE, UNKNOWN) and, when it has
// one, its reason ("not probed yet", the SSH error)
function health(device) {
  return [badge(device.health),
    device.health_error ? h("span", { class: "muted" }, " " + device.health_error) : ""];
}

// the VRRP role keepalived reports on a paired device, and its peer by name
function role(device, names) {
  const ha = device.ha;
  if (!ha) return h("span", { class: "muted" }, "single device");
  const peer = names.get(ha.peer_id) || ha.peer_id;
  return [badge(ha.role), ` paired with ${peer}`,
    ha.behind ? h("span", { class: "error-text" }, `; behind: it missed a change ${peer} got`) : ""];
}

export function devicesView(main) {
  if (!session.operator) return notOperator(main, "Devices");
  const body = h("div", { id: "device-list" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading("Devices"), body);
  return poll(async () => {
    let devices;
    try {
      devices = (await call("GET", "/devices")).devices;
    } catch (err) {
      replace(body, h("p", { class: "error-text" }, "Could not list devices: " + err.message));
      throw err;
    }
    const usage = await Promise.all(devices.map((d) =>
      call("GET", `/devices/${encodeURIComponent(d.id)}/loadbalancers`).then((a) => a.loadbalancers, () => null)));
    const names = new Map(devices.map((d) => [d.id, d.name]));
    const rows = devices.map((d, i) => h("tr", { dataset: { deviceId: d.id } },
      h("th", { scope: "row" }, d.name),
      h("td", {}, d.type),
      h("td", {}, `${d.ip}:${d.port ?? 22}`),
      h("td", { class: "device-reachability" }, badge(d.operatingStatus)),
      h("td", { class: "device-health" }, health(d)),
      h("td", { class: "device-role" }, role(d, names)),
      h("td", { class: "device-lbs" }, usage[i] === null ? "?" : lbSummary(usage[i]))));
    replace(body, devices.length
      ? table(`${devices.length} device${devices.length === 1 ? "" : "s"}`,
        ["Name", "Type", "Address", "Reachability", "Health", "HA role", "Load balancers"], rows)
      : h("p", {}, "No devices are registered."));
    return false;
  });
}

function deploys(count) {
  return `${count} deploy${count === 1 ? "" : "s"}`;
}

function lbSummary(lbs) {
  const errors = lbs.filter((lb) => lb.status === "ERROR").length;
  return `${lbs.length}` + (errors ? ` (${errors} in ERROR)` : "");
}

export function deploysView(main) {
  if (!session.operator) return notOperator(main, "Deploys");
  const chart = h("section", { class: "card chart", "aria-labelledby": "chart-title" },
    h("h2", { id: "chart-title" }, "Deploys per minute, last 30 minutes"), h("p", {}, "Loading…"));
  const requests = h("section", { class: "card chart", "aria-labelledby": "req-title" },
    h("h2", { id: "req-title" }, "API requests per minute"), h("p", {}, "Loading…"));
  const list = h("div", { id: "deploy-list" });
  main.replaceChildren(heading("Deploys"), chart, requests, h("h2", {}, "Last deploys"), list);
  const rates = requestRates();
  const names = new Map();     // device id -> name, for the table
  return poll(async () => {
    let answer;
    try {
      answer = await call("GET", "/deploys?limit=20");
      const missing = answer.deploys.some((d) => !names.has(d.device_id));
      if (missing) {
        for (const d of (await call("GET", "/devices")).devices) names.set(d.id, d.name);
      }
    } catch (err) {
      replace(list, h("p", { class: "error-text" }, "Could not read the deploys: " + err.message));
      throw err;
    }
    const total = answer.perMinute.reduce((n, m) => n + m.deploys, 0);
    const failed = answer.perMinute.reduce((n, m) => n + m.failed, 0);
    const summary = `${deploys(total)} in the last 30 minutes, ${failed} not fully successful`;
    replace(chart, h("h2", { id: "chart-title" }, "Deploys per minute, last 30 minutes"),
      barChart(answer.perMinute.map((m) => ({ label: m.minute.slice(11, 16), value: m.deploys, bad: m.failed })),
        summary, (p) => `${p.label} UTC: ${deploys(p.value)}, ${p.bad} not fully successful`),
      h("p", { id: "chart-summary" }, summary + "."));
    const rate = await rates();
    replace(requests, h("h2", { id: "req-title" }, "API requests per minute"),
      rate.available
        ? [barChart(rate.points, rate.summary, (p) => `${p.label} UTC: about ${p.value} API requests per minute`),
          h("p", { id: "requests-summary" }, rate.summary)]
        : h("p", { id: "requests-summary" }, rate.summary));
    replace(list, answer.deploys.length
      ? table("Newest first", ["Started", "Device", "Outcome", "Duration", "Load balancers", "Message"],
        answer.deploys.map((d) => h("tr", {},
          h("td", { class: "nowrap" }, when(d.started_at)),
          h("td", {}, names.get(d.device_id) || `${d.device_id} (deleted)`),
          h("td", { class: "deploy-outcome" }, badge(d.outcome)),
          h("td", {}, `${d.duration_ms} ms`),
          h("td", {}, d.rejected ? `${d.load_balancers} (${d.rejected} rejected)` : d.load_balancers),
          h("td", { class: "error-text" }, d.message || ""))))
      : h("p", {}, "No deploys yet."));
    return false;
  });
}
