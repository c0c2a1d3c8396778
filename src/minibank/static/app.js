// Small progressive enhancements; every page works without them.
"use strict";

// A new element with these attributes and, if given, this text.
function element(tag, attributes, content) {
  var made = document.createElement(tag);
  Object.keys(attributes).forEach(function (name) { made.setAttribute(name, attributes[name]); });
  if (content) made.textContent = content;
  return made;
}

// A form marked data-submit-once sends once: a double click does not send it twice.
// (The server's idempotency token is what actually guarantees money moves once.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-submit-once")) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  // Disabled after this tick, so the clicked button's own name and value still go with the form.
  window.setTimeout(function () {
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    form.setAttribute("aria-busy", "true");
  }, 0);
});

// Account numbers: ten digits whose value leaves 1 modulo 97 (ISO 7064 MOD 97-10, as the server checks).
function accountNumberProblem(text) {
  var digits = text.replace(/[\s-]/g, "");
  if (digits === "") return "";
  if (!/^[0-9]{10}$/.test(digits)) return "An account number has ten digits.";
  if (Number(digits) % 97 !== 1) return "That is not a valid account number: please check the digits.";
  return "";
}

document.querySelectorAll("input[data-account-number]").forEach(function (input) {
  var note = document.createElement("p");
  note.className = "error";
  note.id = input.id + "-check";
  note.setAttribute("aria-live", "polite");
  input.parentNode.appendChild(note);
  var described = input.getAttribute("aria-describedby");
  input.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  input.addEventListener("change", function () {
    note.textContent = accountNumberProblem(input.value);
    if (note.textContent) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  });
});

// Forms with errors: the summary at the top takes the focus, so the customer hears what to fix first;
// each of its links goes to the field itself, its label in view (as GOV.UK's error summary does).
var errorSummary = document.querySelector("[data-error-summary]");
if (errorSummary) {
  errorSummary.focus();
  errorSummary.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="#"]');
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector('label[for="' + field.id + '"]');
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
}

// Show password: a button beside each password field, to check what was typed.
document.querySelectorAll('input[type="password"]').forEach(function (input) {
  var row = element("div", {"class": "password-row"});
  var button = element("button", {type: "button", "class": "show-password", "aria-controls": input.id});
  input.parentNode.insertBefore(row, input);
  row.appendChild(input);
  row.appendChild(button);
  function show(visible) {
    input.type = visible ? "text" : "password";
    button.setAttribute("aria-pressed", visible ? "true" : "false");
    button.textContent = visible ? "Hide password" : "Show password";
  }
  show(false);
  button.addEventListener("click", function () { show(input.type === "password"); });
  // Hidden again as the form goes, so that the browser never keeps it as ordinary text.
  if (input.form) input.form.addEventListener("submit", function () { show(false); });
});

// Copy an account number: a button beside it puts the digits, without spaces, on the clipboard.
if (navigator.clipboard && navigator.clipboard.writeText) {
  document.querySelectorAll("[data-copy-number]").forEach(function (number) {
    var button = element("button", {type: "button", "class": "copy", "aria-label": "Copy account number"}, "Copy");
    var said = element("span", {"class": "copied", "aria-live": "polite"});
    number.appendChild(button);
    number.appendChild(said);
    button.addEventListener("click", function () {
      said.textContent = "";
      navigator.clipboard.writeText(number.getAttribute("data-copy-number").replace(/\s/g, "")).then(
        function () { said.textContent = "Copied"; },
        function () { said.textContent = "Could not copy: please select the number instead"; }
      );
    });
  });
}

// Session expiry: a warning before the session ends, with Stay signed in, and a notice once it has
// ended. A logged-in page's <meta name="session-expires"> says when (web/expiry.py); a cookie that the
// bank renews with the session says it too, so that every open tab follows the latest renewal.
(function () {
  var meta = document.querySelector('meta[name="session-expires"]');
  if (!meta || typeof HTMLDialogElement !== "function") return;
  var info = meta.dataset;
  var skew = Number(info.now) * 1000 - Date.now(); // the bank's clock ahead of this one
  var lead = Number(info.warn) * 1000;
  var extendable = info.extendable === "yes";
  var hadCookie = endCookie() !== null;
  var dialog, heading, text, note, buttons, returnFocus, state = "", putAside = 0;

  function endCookie() {
    var prefix = info.cookie + "=";
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(prefix) === 0; })[0];
    var value = found ? Number(found.slice(prefix.length)) : NaN;
    return value > 0 ? value * 1000 : null;
  }

  function endsAt() {
    var cookie = endCookie();
    if (cookie !== null) return cookie;
    return hadCookie ? 0 : Number(meta.content) * 1000; // the cookie gone: logged out in another tab
  }

  function logoutForm() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return new URL(form.action, location.href).pathname === info.logout;
    })[0];
  }

  // The form on this page that the bank keeps as a draft when the session ends, if there is one.
  function draftForm() {
    var actions = (info.drafts || "").split(" ");
    return Array.prototype.filter.call(document.querySelectorAll('main form[method="post"]'), function (form) {
      return actions.indexOf(new URL(form.action, location.href).pathname) !== -1;
    })[0];
  }

  function build() {
    dialog = element("dialog", {
      "class": "session-end", role: "alertdialog",
      "aria-labelledby": "session-end-title", "aria-describedby": "session-end-text"
    });
    heading = element("h2", {id: "session-end-title"});
    text = element("p", {id: "session-end-text"});
    note = element("p", {"class": "error", role: "status"});
    buttons = element("div", {"class": "buttons"});
    [heading, text, note, buttons].forEach(function (part) { dialog.appendChild(part); });
    dialog.addEventListener("cancel", function (event) {
      if (state === "ended") event.preventDefault(); // nothing on the page works any more
      else putAside = endsAt();                        // Escape: no more warning for this end
    });
    dialog.addEventListener("close", function () {
      if (dialog.open) return; // closed only to open again in a new state
      state = "";
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    });
    document.body.appendChild(dialog);
  }

  function button(label, primary, action) {
    var made = element("button", {type: "button", "class": primary ? "primary" : ""}, label);
    made.addEventListener("click", action);
    buttons.appendChild(made);
    return made;
  }

  function when(left) {
    var at = new Date(endsAt() - skew).toLocaleTimeString([], {hour: "numeric", minute: "2-digit"});
    var minutes = Math.ceil(left / 60000);
    if (left < 60000) return "at " + at + ", in less than a minute";
    return "at " + at + ", in about " + minutes + (minutes === 1 ? " minute" : " minutes");
  }

  function describe(left) {
    if (state === "ended") {
      text.textContent = "For your security, you have been logged out. " + (draftForm()
        ? "What you typed on this page has not been sent: log in again to come back to it, filled in."
        : "Log in again to go on.");
    } else if (extendable) {
      text.textContent = "For your security, you will be logged out " + when(left) + ", unless you stay signed in.";
    } else {
      text.textContent = "For your security, a session lasts no longer: you will be logged out " + when(left) +
        ". Finish what you are doing, then log in again.";
    }
  }

  function stay(event) {
    var pressed = event.currentTarget;
    var token = logoutForm() && logoutForm().querySelector('input[name="csrf_token"]');
    pressed.disabled = true;
    note.textContent = "";
    fetch(info.renew, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"}
    }).then(function (response) {
      if (response.status === 401) { show("ended"); return null; }
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (renewed) {
      if (!renewed) return;
      extendable = renewed.extendable;
      skew = renewed.now * 1000 - Date.now();
      if (endsAt() - (Date.now() + skew) > lead) dialog.close();
      else { state = ""; check(); }
    }).catch(function () {
      note.textContent = "We could not keep you signed in. Please try again.";
    }).then(function () { pressed.disabled = false; });
  }

  function logOut() {
    var form = logoutForm();
    if (form) form.submit();
    else location.assign(info.login);
  }

  function logInAgain() {
    var form = draftForm();
    if (!form) { location.assign(info.login); return; }
    // Only kept, never sent: the bank does nothing with a form that carries this field.
    form.appendChild(element("input", {type: "hidden", name: info.keepField, value: "1"}));
    form.submit();
  }

  function show(next, left) {
    if (!dialog) build();
    if (state === next) { describe(left); return; }
    state = next;
    dialog.classList.toggle("ended", next === "ended");
    buttons.textContent = "";
    note.textContent = "";
    var first;
    if (next === "ended") {
      heading.textContent = "Your session has ended";
      first = button("Log in again", true, logInAgain);
    } else {
      heading.textContent = "Your session will end soon";
      first = extendable ? button("Stay signed in", true, stay) : button("Continue", true, function () {
        putAside = endsAt();
        dialog.close();
      });
      button("Log out", false, logOut);
    }
    describe(left);
    // Opened afresh on each change, so that a screen reader announces the new state.
    if (dialog.open) dialog.close();
    else returnFocus = document.activeElement;
    dialog.showModal();
    first.focus();
  }

  function check() {
    if (state === "ended") return;
    var left = endsAt() - (Date.now() + skew);
    if (left <= 0) show("ended");
    else if (left <= lead && putAside !== endsAt()) show("warning", left);
    else if (state === "warning" && left > lead) dialog.close();
  }

  window.setInterval(check, 1000);
  document.addEventListener("visibilitychange", check);
  check();
})();
