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
