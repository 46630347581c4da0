/* Behaviour shared by every page, without inline handlers (the Content-Security-Policy
   forbids them): a form whose submit button or itself carries data-confirm asks first. */
(function () {
  "use strict";
  // A select that filters the page submits its form when changed.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], [data-select-on-click]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-print")) { window.print(); }
    if (target.hasAttribute("data-select-on-click") && target.select) { target.select(); }
  });
  // An export button in a filter form that htmx drives: the browser submits it itself
  // (a file download, not a part of the page). Captured before htmx's own listener.
  document.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-export")) {
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();

/* The session ends after a while without activity: a minute before, say so and offer to
   stay signed in; at the end, go to the login page. */
(function () {
  "use strict";
  var shell = document.querySelector("[data-session-idle]");
  if (!shell) { return; }
  var idle = parseInt(shell.getAttribute("data-session-idle"), 10) * 1000;
  var warning = document.getElementById("session-warning");
  var stay = document.getElementById("session-stay");
  if (!idle || !warning || !stay) { return; }
  var warnTimer, endTimer;
  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warning.classList.add("d-none");
    warnTimer = window.setTimeout(function () {
      warning.classList.remove("d-none");
      stay.focus();
    }, Math.max(idle - 60000, 0));
    endTimer = window.setTimeout(function () {
      window.location.assign(shell.getAttribute("data-session-login") + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search));
    }, idle + 2000);
  }
  stay.addEventListener("click", function () {
    var csrf = document.querySelector("[name=csrfmiddlewaretoken]");
    var headers = { "Accept": "application/json" };
    var token = JSON.parse(shell.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    if (token) { headers["X-CSRFToken"] = token; } else if (csrf) { headers["X-CSRFToken"] = csrf.value; }
    window.fetch(shell.getAttribute("data-session-keepalive"), {
      method: "POST", credentials: "same-origin", headers: headers
    }).then(function (response) {
      if (response.ok) { schedule(); } else { window.location.reload(); }
    });
  });
  schedule();
})();
