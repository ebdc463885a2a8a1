// One load balancer: VIPs (each a link), nodes with health and condition
// toggles, monitors, persistence, the error text of a failed change, and
// delete with a confirmation.

import { PENDING, call, tenantPath } from "./api.js";
import { announce, badge, h, heading, replace, table, when } from "./dom.js";
import { addNodeForm } from "./forms.js";
import { poll } from "./poll.js";

const CONDITIONS = ["ENABLED", "DISABLED", "DRAINING"];
// looks at the shown load balancer again at once (set by detailsView)
let lookAgain = () => {};

export function detailsView(main, lbId) {
  const title = heading("Load balancer");
  const body = h("div", { id: "lb-details" }, h("p", {}, "Loading…"));
  main.replaceChildren(title, body);
  const path = tenantPath("/" + encodeURIComponent(lbId));
  let last = null;
  let built = false;
  const stop = poll(async () => {
    let lb;
    try {
      lb = await call("GET", path + "/details");
    } catch (err) {
      if (err.status === 404 && last && last.status === "PENDING_DELETE") {
        announce(`Load balancer ${last.name} was deleted.`);
        location.hash = "#/lbs";
        return false;
      }
      replace(body, h("p", { class: "error-text" }, "Could not show the load balancer: " + err.message));
      throw err;
    }
    if (last && last.status !== lb.status) {
      announce(`Load balancer ${lb.name} is now ${lb.status}` +
               (lb.status === "ERROR" && lb.statusDescription ? ": " + lb.statusDescription : "."),
               lb.status === "ERROR");
    }
    last = lb;
    title.textContent = "Load balancer " + (lb.name || lb.id);
    if (!built) {
      document.title = title.textContent + " - balancer";
      built = true;
    }
    render(body, lb, path);
    return PENDING.includes(lb.status);
  });
  lookAgain = stop.now;
  return stop;
}

function facts(lb) {
  const items = [["Status", badge(lb.status)], ["Operating status", badge(lb.operatingStatus)],
    ["Algorithm", lb.algorithm], ["Protocol", lb.protocol], ["Id", lb.id],
    ["Device", lb.device_id || "none yet"], ["Created", when(lb.created_at)],
    ["Updated", when(lb.updated_at)]];
  if (lb.statusDescription) items.splice(2, 0, ["Error", h("span", { class: "error-text", id: "lb-error" }, lb.statusDescription)]);
  return h("dl", { class: "facts" }, items.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "")]));
}

function vipLink(vip, lb) {
  const host = vip.address.includes(":") ? `[${vip.address}]` : vip.address;
  const scheme = (vip.protocol || lb.protocol) === "HTTPS" ? "https" : "http";
  const url = `${scheme}://${host}:${vip.port}/`;
  return h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url);
}

function nodeRow(node, lb, path) {
  const toggles = h("div", { class: "conditions", role: "group",
                             "aria-label": `Condition of node ${node.address}:${node.port}` },
    CONDITIONS.map((condition) => h("button", {
      type: "button", "aria-pressed": node.condition === condition ? "true" : "false",
      dataset: { condition },
      onclick: () => setCondition(node, condition, path),
    }, condition)));
  return h("tr", { dataset: { nodeId: node.id } },
    h("th", { scope: "row" }, `${node.address}:${node.port}`),
    h("td", { class: "node-health" }, badge(node.operatingStatus)),
    h("td", { class: "node-condition" }, node.condition || ""),
    h("td", {}, node.weight ?? ""),
    h("td", {}, toggles));
}

async function setCondition(node, condition, path) {
  if (node.condition === condition) {
    announce(`Node ${node.address}:${node.port} is already ${condition}.`);
    return;
  }
  announce(`Setting node ${node.address}:${node.port} to ${condition}…`);
  try {
    const answer = await call("PUT", `${path}/nodes/${encodeURIComponent(node.id)}/${condition}`);
    const changed = answer.node;
    announce(`Node ${changed.address}:${changed.port} is now ${changed.condition}` +
             (changed.operatingStatus ? ` (health ${changed.operatingStatus}).` : "."));
    const row = document.querySelector(`tr[data-node-id="${CSS.escape(node.id)}"]`);
    if (row) {
      row.querySelector(".node-condition").textContent = changed.condition;
      replace(row.querySelector(".node-health"), badge(changed.operatingStatus));
      for (const button of row.querySelectorAll("button[data-condition]")) {
        button.setAttribute("aria-pressed", button.dataset.condition === changed.condition ? "true" : "false");
      }
    }
    node.condition = changed.condition;
    lookAgain();         // the device's health of the node follows
  } catch (err) {
    announce(`Node ${node.address}:${node.port} not changed: ${err.message}`, true);
  }
}

function deleteSection(lb, path) {
  const confirmBox = h("div", { class: "card", hidden: true, id: "confirm-delete" },
    h("p", {}, `Delete load balancer ${lb.name}? Its VIPs stop answering. This cannot be undone.`),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "danger", id: "confirm-delete-yes", onclick: async () => {
        announce(`Deleting load balancer ${lb.name}…`);
        try {
          await call("DELETE", path);
          announce(`Load balancer ${lb.name} was deleted.`);
          location.hash = "#/lbs";
        } catch (err) {
          announce(`Load balancer ${lb.name} not deleted: ${err.message}`, true);
        }
      } }, `Yes, delete ${lb.name}`),
      h("button", { type: "button", onclick: () => {
        confirmBox.hidden = true;
        announce("Delete cancelled.");
        document.getElementById("delete-lb").focus();
      } }, "Cancel")));
  const ask = h("button", { type: "button", class: "danger", id: "delete-lb", onclick: () => {
    confirmBox.hidden = false;
    announce(`Confirm deleting load balancer ${lb.name}.`);
    document.getElementById("confirm-delete-yes").focus();
  } }, "Delete…");
  return [ask, confirmBox];
}

let shown = null;   // keep the page (focus, an open confirmation) across polls

function render(body, lb, path) {
  const key = JSON.stringify(lb);
  if (shown && shown.key === key && body.contains(shown.node)) return;
  const focusId = focusKey(body);
  if (shown && body.contains(shown.node) && shown.id === lb.id) {
    // everything the API may have changed is drawn again; the forms (add a
    // node, confirm a delete) stay as they are, with what was typed in them
    for (const [name, part] of liveParts(lb, path)) replace(shown.node.querySelector("." + name), part);
    shown.key = key;
    restoreFocus(body, focusId);
    return;
  }
  const parts = new Map(liveParts(lb, path));
  const wrap = (name) => h("div", { class: name }, parts.get(name));
  const node = h("div", {},
    wrap("facts-wrap"),
    h("div", { class: "actions" },
      h("a", { href: `#/lbs/${encodeURIComponent(lb.id)}/edit` }, "Edit"), ...deleteSection(lb, path)),
    h("h2", {}, "Virtual IPs"),
    wrap("vips-wrap"),
    h("h2", {}, "Nodes"),
    wrap("nodes-wrap"),
    addNodeForm(path, () => lookAgain()),
    h("h2", {}, "Health monitors"),
    wrap("monitors-wrap"),
    h("h2", {}, "Session persistence"),
    wrap("persistence-wrap"));
  replace(body, node);
  shown = { key, node, id: lb.id };
  restoreFocus(body, focusId);
}

// [wrapper class, content] of each part of the page drawn from the API's answer
function liveParts(lb, path) {
  return [
    ["facts-wrap", facts(lb)],
    ["vips-wrap", table("Addresses this load balancer answers on", ["Address", "Port", "Link"],
      lb.virtualIps.map((vip) => h("tr", {}, h("td", {}, vip.address), h("td", {}, vip.port),
                                       h("td", {}, vipLink(vip, lb)))))],
    ["nodes-wrap", nodesTable(lb, path)],
    ["monitors-wrap", lb.healthMonitor.length
      ? table("How the nodes are checked", ["Type", "Delay (s)", "Timeout (s)", "Attempts", "Request"],
        lb.healthMonitor.map((m) => h("tr", {}, h("td", {}, m.type), h("td", {}, m.delay),
          h("td", {}, m.timeout), h("td", {}, m.attemptsBeforeDeactivation),
          h("td", {}, m.path ? `${m.method || "GET"} ${m.path} expects ${m.expected || "2xx"}` : ""))))
      : h("p", {}, "No health monitor: every node counts as up.")],
    ["persistence-wrap", lb.sessionPersistence.length
      ? table("How clients stick to a node", ["Type", "Cookie"],
        lb.sessionPersistence.map((s) => h("tr", {}, h("td", {}, s.type), h("td", {}, s.cookieName || ""))))
      : h("p", {}, "No session persistence.")],
  ];
}

function nodesTable(lb, path) {
  if (!lb.nodes.length) return h("p", {}, "No nodes.");
  return table("Backend servers; health as the device reports it (UP, DOWN, DRAIN, MAINT)",
    ["Node", "Health", "Condition", "Weight", "Change condition"],
    lb.nodes.map((node) => nodeRow(node, lb, path)));
}

// what has the focus, as a CSS selector that finds it again after a
// re-render: a node's toggle, a VIP's link, or an element's id
function focusKey(body) {
  const active = document.activeElement;
  if (!active || !body.contains(active)) return null;
  if (active.dataset.condition) {
    return `tr[data-node-id="${CSS.escape(active.closest("tr").dataset.nodeId)}"] ` +
           `button[data-condition="${CSS.escape(active.dataset.condition)}"]`;
  }
  if (active.closest(".vips-wrap") && active.tagName === "A") {
    return `.vips-wrap a[href="${CSS.escape(active.getAttribute("href"))}"]`;
  }
  return active.id ? "#" + CSS.escape(active.id) : null;
}

function restoreFocus(body, selector) {
  if (!selector) return;
  const target = body.querySelector(selector);
  if (target && document.activeElement !== target) target.focus();
}
