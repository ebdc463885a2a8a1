// Signing in: on the Keystone pipeline with a token or a user name and
// password (POST /dashboard/signin asks Keystone); on the noauth pipeline
// the tenant is chosen here.

import { ApiError, call, remember, session } from "./api.js";
import { announce, h, heading } from "./dom.js";
import { field, showErrors } from "./fields.js";

export function signInView(main, done) {
  const byPassword = h("form", { class: "card", novalidate: true, "aria-labelledby": "pw-title" },
    h("h2", { id: "pw-title" }, "With a user name and password"),
    field("username", "User name", { autocomplete: "username", required: true }),
    field("password", "Password", { type: "password", autocomplete: "current-password",
                                     required: true }),
    field("project", "Project", { hint: "optional: the user's default project otherwise" }),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  byPassword.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = { username: byPassword.elements.username.value,
                     password: byPassword.elements.password.value };
    if (byPassword.elements.project.value) values.project = byPassword.elements.project.value;
    announce("Signing in…");
    try {
      const answer = await call("POST", "/dashboard/signin", values);
      remember(answer.token, answer.project_id);
      announce(`Signed in as ${answer.user_name}, project ${answer.project_name}.`);
      done();   // start() moves on to #/lbs once the session is known: one render
    } catch (err) {
      showErrors(byPassword, err, "Not signed in: ");
    }
  });
  const byToken = h("form", { class: "card", novalidate: true, "aria-labelledby": "tk-title" },
    h("h2", { id: "tk-title" }, "With a token"),
    field("token", "Keystone token", { type: "password", required: true,
                                       hint: "a project-scoped token, e.g. from openstack token issue" }),
    h("button", { type: "submit", class: "primary" }, "Sign in with the token"));
  byToken.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = byToken.elements.token.value.trim();
    if (!token) {
      showErrors(byToken, new ApiError(400, { field: "token", message: "invalid token: enter a token" }),
                 "Not signed in: ");
      return;
    }
    remember(token, null);
    try {
      const me = await call("GET", "/dashboard/api/session");
      if (!me.project_id) throw new ApiError(403, { field: "token", message: "the token is not scoped to a project" });
      remember(token, me.project_id);
      announce(`Signed in as ${me.user_name}, project ${me.project_name || me.project_id}.`);
      done();   // start() moves on to #/lbs once the session is known: one render
    } catch (err) {
      remember(null, null);
      showErrors(byToken, new ApiError(err.status, { field: "token", message: err.message }), "Not signed in: ");
    }
  });
  main.replaceChildren(heading("Sign in"), byPassword, byToken);
}

export function tenantView(main, done) {
  const form = h("form", { class: "card", novalidate: true },
    h("p", {}, "This server runs without authentication: every request acts as an administrator. ",
      "Choose the tenant (project id) whose load balancers to show."),
    field("tenant", "Tenant", { required: true, value: session.tenant || "" }),
    h("button", { type: "submit", class: "primary" }, "Show this tenant"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const tenant = form.elements.tenant.value.trim();
    if (!/^[A-Za-z0-9_.:@-]{1,64}$/.test(tenant)) {
      showErrors(form, new ApiError(400, { field: "tenant",
        message: "invalid tenant: use letters, digits and . _ : @ - (at most 64)" }));
      return;
    }
    remember(null, tenant);
    announce(`Showing tenant ${tenant}.`);
    done();   // start() moves on to #/lbs once the session is known: one render
  });
  main.replaceChildren(heading("Choose a tenant"), form);
}
