// Webinar dashboard pages: ask "Are you sure?" in a <dialog> instead of a page of its own.
// Without this script every button that asks first opens the confirmation page (a GET form
// with data-confirm), whose button posts. (base.html's portal/error-summary.js focuses a
// form's error summary.)
(function () {
  "use strict";

  if (typeof HTMLDialogElement !== "function" || !window.fetch || !window.DOMParser) return;

  function ask(form, opener) {
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = form.action + (query ? "?" + query : "");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var section = new DOMParser().parseFromString(html, "text/html").getElementById("confirm");
        if (!section) throw new Error("no confirmation in the page");
        show(document.importNode(section, true), opener);
      })
      .catch(function () { window.location.assign(url); });  // the page itself, then
  }

  function show(section, opener) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    section.removeAttribute("id");
    var heading = section.querySelector("h1");
    if (heading) {
      var title = document.createElement("h2");
      title.id = "confirm-dialog-heading";
      title.textContent = heading.textContent;
      heading.replaceWith(title);
      dialog.setAttribute("aria-labelledby", title.id);
    }
    dialog.appendChild(section);
    section.querySelectorAll("[data-close]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.close();
      });
    });
    dialog.addEventListener("close", function () {
      dialog.remove();
      if (opener) opener.focus();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    var keep = section.querySelector("[data-close]");
    if (keep) keep.focus();  // the safe choice has the focus; Escape also keeps it
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-confirm]")) return;
    event.preventDefault();
    ask(form, event.submitter || form.querySelector("button"));
  });
})();
