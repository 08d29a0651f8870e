// The published meetings page: show the times in the visitor's own time zone on request.
(function () {
  var button = document.getElementById("zone-switch");
  if (!button || !window.Intl || !document.querySelectorAll) return;
  var viewer = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var customer = button.getAttribute("data-zone");
  if (!viewer || viewer === customer) return;
  var times = document.querySelectorAll("time[datetime]");
  // The page's language (its <html lang>), for the dates and the button's words alike.
  var language = document.documentElement.lang || undefined;
  var showLocal = button.textContent, showCustomer = button.getAttribute("data-show-zone");
  var dayAndTime = new Intl.DateTimeFormat(language, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
  });
  var timeAndZone = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  var fullWithZone = new Intl.DateTimeFormat(language, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  function inViewerZone(t) {
    var start = new Date(t.getAttribute("datetime")), end = new Date(t.getAttribute("data-end"));
    var sameDay = start.toDateString() === end.toDateString();
    return dayAndTime.format(start) + "–" + (sameDay ? timeAndZone : fullWithZone).format(end);
  }
  var local = false;
  button.hidden = false;
  button.addEventListener("click", function () {
    local = !local;
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      if (!t.hasAttribute("data-zoned")) t.setAttribute("data-zoned", t.textContent);
      t.textContent = local ? inViewerZone(t) : t.getAttribute("data-zoned");
    }
    button.textContent = local ? showCustomer.replace(/_/g, " ") : showLocal;
    button.setAttribute("aria-pressed", String(local));
  });
})();
