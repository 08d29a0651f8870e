// A meeting's page: while the meeting server catches up, ask how it went and
// reload once the state changes (scheduled, refused, or retrying).
(function () {
  var card = document.getElementById("sync-status");
  if (!card || !window.fetch || card.dataset.state === "attention") return;
  var tries = 0;
  function check() {
    tries += 1;
    fetch(card.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      var meeting = data[card.dataset.meeting];
      if (meeting && meeting.sync_state !== card.dataset.state) {
        window.location.reload();
      } else if (tries < 60) {
        setTimeout(check, tries < 10 ? 1000 : 5000);
      }
    }).catch(function () { if (tries < 60) setTimeout(check, 5000); });
  }
  setTimeout(check, 1000);
})();
