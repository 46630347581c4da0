/* Behaviour shared by every page, without inline handlers (the Content-Security-Policy
   forbids them): a form whose submit button or itself carries data-confirm asks first. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
