// Sign in: email and password to `POST /api/auth/login`; the token and the
// user are kept in localStorage so a reload stays signed in.

import * as api from "../api.js";
import { h } from "../dom.js";
import { field, formError } from "../ui.js";

export function signInView({ onSignedIn }) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false", inputmode: "email" });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = formError();
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block btn-lg" }, h("span", null, "Sign in"));

  const notice = sessionStorage.getItem("switchboard.notice");
  sessionStorage.removeItem("switchboard.notice");
  if (notice) error.show(notice);

  const form = h(
    "form",
    {
      class: "signin-form",
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.show("");
        if (!email.value.trim() || !password.value) {
          error.show("Enter your email and password.");
          (email.value.trim() ? password : email).focus();
          return;
        }
        submit.disabled = true;
        submit.firstChild.textContent = "Signing in…";
        try {
          const body = await api.post("/api/auth/login", { email: email.value.trim(), password: password.value });
          api.setSession({ token: body.token, user: body.user });
          password.value = "";
          await onSignedIn();
        } catch (err) {
          const message =
            err instanceof api.ApiError && err.status === 401
              ? "That email and password don't match an account. Check them and try again."
              : api.describe(err);
          error.show(message);
          password.select();
          password.focus();
        } finally {
          submit.disabled = false;
          submit.firstChild.textContent = "Sign in";
        }
      },
    },
    error,
    field({ label: "Email", input: email }),
    field({ label: "Password", input: password }),
    submit,
  );

  const el = h(
    "main",
    { class: "signin", id: "main" },
    h(
      "div",
      { class: "signin-card" },
      h("div", { class: "signin-brand" }, h("img", { src: "/app/icons/icon.svg", alt: "", width: 44, height: 44 }), h("span", { class: "brand-name" }, "Switchboard")),
      h("h1", { class: "signin-title" }, "Sign in to your inbox"),
      h("p", { class: "signin-sub muted" }, "Every WhatsApp conversation of your team, in one place."),
      form,
    ),
    h("p", { class: "signin-foot muted" }, "Forgot your password? Ask your manager to reset it."),
  );
  queueMicrotask(() => email.focus());
  document.title = "Sign in · Switchboard";
  return { el };
}
