// Create and edit forms.  Values go to the API as typed (it accepts "80"
// for 80), so every message about a value is the API's own, shown at the
// field its 400 names.

import { call, tenantPath } from "./api.js";
import { announce, h, heading } from "./dom.js";
import { clearErrors, field, showErrors } from "./fields.js";

const FALLBACK_ALGORITHMS = ["ROUND_ROBIN", "LEAST_CONNECTION", "HASH_SOURCE", "HASH_URI", "STATIC_RR"];
const FALLBACK_PROTOCOLS = ["HTTP", "TCP"];

async function choices(path, key, fallback) {
  try {
    const found = (await call("GET", path))[key];
    return found.length ? found : fallback;
  } catch {
    return fallback;
  }
}

function pairs(values) {
  return values.map((v) => [v, v]);
}

function nodeFieldset(index) {
  return h("fieldset", { class: "node", dataset: { index } },
    h("legend", {}, `Node ${index + 1}`),
    h("div", { class: "row" },
      field(`node-address-${index}`, "Address", { field: `nodes.${index}.address`, required: true,
                                                  hint: "an IP address" }),
      field(`node-port-${index}`, "Port", { field: `nodes.${index}.port`, required: true, inputmode: "numeric" }),
      field(`node-weight-${index}`, "Weight", { field: `nodes.${index}.weight`, inputmode: "numeric",
                                                hint: "1-256, optional" })));
}

function value(form, name) {
  const input = form.querySelector(`[data-field="${name}"]`);
  return input ? input.value.trim() : "";
}

function collect(form) {
  const body = { name: value(form, "name"), algorithm: value(form, "algorithm"),
                 protocol: value(form, "protocol") };
  const vip = { address: value(form, "virtualIps.0.address"), port: value(form, "virtualIps.0.port") };
  if (vip.address || vip.port) body.virtualIps = [vip];
  body.nodes = [...form.querySelectorAll("fieldset.node")].map((_set, i) => {
    const node = { address: value(form, `nodes.${i}.address`), port: value(form, `nodes.${i}.port`) };
    const weight = value(form, `nodes.${i}.weight`);
    if (weight) node.weight = weight;
    return node;
  }).filter((n) => n.address || n.port || n.weight);
  const monitor = value(form, "healthMonitor.0.type");
  if (monitor) {
    const m = { type: monitor, delay: value(form, "healthMonitor.0.delay"),
                timeout: value(form, "healthMonitor.0.timeout"),
                attemptsBeforeDeactivation: value(form, "healthMonitor.0.attemptsBeforeDeactivation") };
    if (monitor === "HTTP" || monitor === "HTTPS") {
      m.method = "GET";
      m.path = value(form, "healthMonitor.0.path") || "/";
      m.expected = value(form, "healthMonitor.0.expected") || "200-399";
    }
    body.healthMonitor = [m];
  }
  const sticky = value(form, "sessionPersistence.0.type");
  if (sticky) body.sessionPersistence = [{ type: sticky }];
  return body;
}

export function createView(main) {
  const form = h("form", { class: "card", novalidate: true, id: "create-form" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading("New load balancer"), form);
  Promise.all([choices("/algorithms", "algorithms", FALLBACK_ALGORITHMS),
               choices("/protocols", "protocols", FALLBACK_PROTOCOLS)]).then(([algorithms, protocols]) => {
    const nodes = h("div", { id: "nodes" }, nodeFieldset(0));
    form.replaceChildren(
      field("name", "Name", { required: true }),
      h("div", { class: "row" },
        field("algorithm", "Algorithm", { choices: pairs(algorithms), value: "ROUND_ROBIN" }),
        field("protocol", "Protocol", { choices: pairs(protocols), value: "HTTP" })),
      h("fieldset", {}, h("legend", {}, "Virtual IP"),
        h("div", { class: "row" },
          field("vip-address", "Address", { field: "virtualIps.0.address", required: true }),
          field("vip-port", "Port", { field: "virtualIps.0.port", required: true, inputmode: "numeric" }))),
      nodes,
      h("p", {}, h("button", { type: "button", id: "add-node-row", onclick: () => {
        const index = nodes.querySelectorAll("fieldset.node").length;
        nodes.append(nodeFieldset(index));
        nodes.lastElementChild.querySelector("input").focus();
        announce(`Node ${index + 1} added to the form.`);
      } }, "Add another node")),
      h("fieldset", {}, h("legend", {}, "Health monitor"),
        h("div", { class: "row" },
          field("mon-type", "Type", { field: "healthMonitor.0.type",
            choices: [["", "none"], ["HTTP", "HTTP"], ["HTTPS", "HTTPS"], ["CONNECT", "TCP connect"]] }),
          field("mon-delay", "Every (s)", { field: "healthMonitor.0.delay", value: "5", inputmode: "numeric" }),
          field("mon-timeout", "Timeout (s)", { field: "healthMonitor.0.timeout", value: "3", inputmode: "numeric" }),
          field("mon-attempts", "Attempts", { field: "healthMonitor.0.attemptsBeforeDeactivation", value: "3",
                                              inputmode: "numeric" }),
          field("mon-path", "HTTP path", { field: "healthMonitor.0.path", value: "/" }),
          field("mon-expected", "Expected codes", { field: "healthMonitor.0.expected", value: "200-399" }))),
      field("sticky", "Session persistence", { field: "sessionPersistence.0.type",
        choices: [["", "none"], ["HTTP_COOKIE", "HTTP cookie"], ["SOURCE_IP", "source IP"]] }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create"),
        h("a", { href: "#/lbs" }, "Cancel")));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = collect(form);
    announce(`Creating load balancer ${body.name}…`);
    try {
      const lb = (await call("POST", tenantPath(), body)).loadbalancer;
      announce(`Load balancer ${lb.name} created; status ${lb.status}.`);
      location.hash = "#/lbs/" + encodeURIComponent(lb.id);
    } catch (err) {
      showErrors(form, err);
    }
  });
}

export function editView(main, lbId) {
  const path = tenantPath("/" + encodeURIComponent(lbId));
  const form = h("form", { class: "card", novalidate: true, id: "edit-form" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading("Edit load balancer"), form);
  Promise.all([call("GET", path), choices("/algorithms", "algorithms", FALLBACK_ALGORITHMS),
               choices("/protocols", "protocols", FALLBACK_PROTOCOLS)]).then(([answer, algorithms, protocols]) => {
    const lb = answer.loadbalancer;
    form.replaceChildren(
      field("name", "Name", { value: lb.name || "" }),
      h("div", { class: "row" },
        field("algorithm", "Algorithm", { choices: pairs(algorithms), value: lb.algorithm }),
        field("protocol", "Protocol", { choices: pairs(protocols), value: lb.protocol })),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save"),
        h("a", { href: "#/lbs/" + encodeURIComponent(lbId) }, "Cancel")));
  }, (err) => {
    form.replaceChildren(h("p", { class: "error-text" }, "Could not load the load balancer: " + err.message));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: value(form, "name"), algorithm: value(form, "algorithm"),
                   protocol: value(form, "protocol") };
    announce(`Saving load balancer ${body.name}…`);
    try {
      const lb = (await call("PUT", path, body)).loadbalancer;
      announce(`Load balancer ${lb.name} saved; status ${lb.status}.`);
      location.hash = "#/lbs/" + encodeURIComponent(lbId);
    } catch (err) {
      showErrors(form, err);
    }
  });
}

// On the details page: add one node (POST .../nodes {"nodes": [...]}).
export function addNodeForm(path, added) {
  const form = h("form", { class: "card", novalidate: true, id: "add-node-form", "aria-labelledby": "add-node-title" },
    h("h3", { id: "add-node-title" }, "Add a node"),
    h("div", { class: "row" },
      field("new-node-address", "Address", { field: "nodes.0.address", required: true }),
      field("new-node-port", "Port", { field: "nodes.0.port", required: true, inputmode: "numeric" }),
      field("new-node-weight", "Weight", { field: "nodes.0.weight", inputmode: "numeric" })),
    h("button", { type: "submit" }, "Add node"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const node = { address: value(form, "nodes.0.address"), port: value(form, "nodes.0.port") };
    if (value(form, "nodes.0.weight")) node.weight = value(form, "nodes.0.weight");
    try {
      const created = (await call("POST", path + "/nodes", { nodes: [node] })).nodes[0];
      announce(`Node ${node.address}:${node.port} added; condition ${created.condition}.`);
      form.reset();
      added();
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}
