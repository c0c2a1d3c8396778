// Small progressive enhancements; every page works without them.
"use strict";

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
  var row = document.createElement("div");
  var button = document.createElement("button");
  row.className = "password-row";
  button.type = "button";
  button.className = "show-password";
  button.setAttribute("aria-controls", input.id);
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
    var button = document.createElement("button");
    var said = document.createElement("span");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy account number");
    said.className = "copied";
    said.setAttribute("aria-live", "polite");
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
