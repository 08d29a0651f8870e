// The dashboard's meeting list: refresh live state and attendee counts without reloading.
(function () {
  // Refresh live state and attendee counts without reloading the page.
  var table = document.getElementById("meetings");
  if (!table || !window.fetch) return;
  function refresh() {
    fetch(table.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      Object.keys(data).forEach(function (id) {
        var row = table.querySelector('tr[data-meeting="' + id + '"] .live');
        if (!row) return;
        var m = data[id];
        row.className = "live state-" + m.live_state;
        row.textContent = m.stale ? m.label : m.label + (m.live_state === "live" ? " · " + m.attending : "");
      });
    }).catch(function () {});
  }
  setInterval(refresh, 15000);
})();
