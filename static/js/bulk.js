/* « Actions groupées » on the file list: « tout sélectionner sur cette page » ticks or
   unticks the page's boxes; the count of ticked files is said beside the buttons. Loaded
   with the list's results (htmx swaps them): bound once. */
(function () {
  "use strict";
  if (window.caiBulkBound) { return; }
  window.caiBulkBound = true;
  function boxes() {
    return document.querySelectorAll('input[type="checkbox"][name="dossiers"][form="bulk-form"]');
  }
  function refresh() {
    var ticked = 0;
    var all = boxes();
    all.forEach(function (box) { if (box.checked) { ticked += 1; } });
    var page = document.querySelector("[data-bulk-page]");
    if (page) {
      page.checked = all.length > 0 && ticked === all.length;
      page.indeterminate = ticked > 0 && ticked < all.length;
    }
    var count = document.querySelector("[data-bulk-count]");
    if (count) {
      count.textContent = ticked === 0 ? count.getAttribute("data-none")
        : (ticked === 1 ? count.getAttribute("data-one") : count.getAttribute("data-many").replace("N", String(ticked)));
    }
    var checked = document.querySelector('input[name="portee"][value="selection"]');
    if (checked && ticked > 0) { checked.checked = true; }
  }
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches) { return; }
    if (field.matches("[data-bulk-page]")) {
      boxes().forEach(function (box) { box.checked = field.checked; });
      refresh();
    } else if (field.matches('input[name="dossiers"]')) {
      refresh();
    }
  });
  document.addEventListener("htmx:afterSwap", refresh);
  /* « Confirmer et lancer », « Reprendre »: sent once. The buttons are disabled after
     the click (the server also finds the action a second sending asked for); the
     button's own name and value still go with the form. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-bulk-once]")) { return; }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    /* Disabled once the form's data is taken (right after this event), so that the
       clicked button's own name and value still go with it. */
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
    }, 0);
  });
  /* Back to the page from the browser's cache (« précédent »): the buttons work again. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-bulk-once][data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
