// Form fields that show the API's validation message at the field it names.
// Every input carries data-field: the path of its value in the request
// body ("nodes.0.port"), which is what the API's 400 names in "field".

import { announce, h } from "./dom.js";

let counter = 0;

export function field(name, label, opts = {}) {
  const id = "f-" + (opts.id || name).replace(/[^A-Za-z0-9_-]/g, "-") + "-" + (++counter);
  const attrs = { id, name: opts.name || name, dataset: { field: opts.field || name },
                  "aria-describedby": id + "-problem" + (opts.hint ? " " + id + "-hint" : "") };
  let control;
  if (opts.choices) {
    control = h("select", attrs, opts.choices.map(([value, text]) =>
      h("option", { value, selected: value === opts.value ? true : undefined }, text)));
  } else {
    control = h("input", Object.assign(attrs, {
      type: opts.type || "text", value: opts.value ?? undefined, required: opts.required,
      autocomplete: opts.autocomplete || "off", inputmode: opts.inputmode,
      size: opts.size }));
  }
  return h("div", { class: "field" },
    h("label", { for: id }, label, opts.required ? " (required)" : ""),
    opts.hint ? h("p", { class: "hint", id: id + "-hint" }, opts.hint) : null,
    control,
    h("p", { class: "problem", id: id + "-problem" }));
}

export function clearErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const problem of form.querySelectorAll(".problem")) problem.textContent = "";
}

// The input an error's field names: exactly, else the first inside it
// ("nodes.1" -> the first input of node 2), else none.
function inputFor(form, name) {
  if (!name) return null;
  const inputs = [...form.querySelectorAll("[data-field]")];
  return inputs.find((i) => i.dataset.field === name)
    || inputs.find((i) => i.dataset.field.startsWith(name + "."))
    || inputs.find((i) => name.startsWith(i.dataset.field + "."))
    || null;
}

export function showErrors(form, err, prefix = "Not saved: ") {
  clearErrors(form);
  const input = inputFor(form, err.field);
  let summary = form.querySelector(".form-problem");
  if (!summary) {
    summary = h("p", { class: "form-problem error-text" });
    form.prepend(summary);
  }
  summary.textContent = prefix + err.message;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const problem = document.getElementById(input.id + "-problem");
    if (problem) problem.textContent = err.message;
    input.focus();
  }
  announce(prefix + err.message, true);
}
