// An export job's page: follow its progress, then offer the download.
(function () {
  var job = document.getElementById("export-job");
  var bar = document.getElementById("export-progress");
  var state = document.getElementById("export-state");
  var reload = document.getElementById("export-reload");
  reload.hidden = true;  // the script keeps the page current
  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    if (data.status === "done") {
      state.textContent = data.state_text;
      var link = document.querySelector("#export-download a");
      link.href = data.download_url;
      link.parentNode.hidden = false;
    } else if (data.status === "failed") {
      state.textContent = data.state_text;
      var error = document.getElementById("export-error");
      error.textContent = data.error;
      error.hidden = false;
      window.location.reload();  // shows "Try again"
    } else {
      state.textContent = data.state_text;
    }
    return data.status === "done" || data.status === "failed";
  }
  function poll() {
    fetch(job.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (!show(data)) setTimeout(poll, 1000); })
      .catch(function () { reload.hidden = false; setTimeout(poll, 5000); });
  }
  setTimeout(poll, 500);
})();
