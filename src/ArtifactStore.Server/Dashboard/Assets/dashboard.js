// ArtifactStore dashboard: the one script (CSP: script-src 'self'). It follows a job's log while the job runs.
// The page works without it; the log then shows what the server rendered.
(function () {
  "use strict";
  var log = document.getElementById("job-log");
  if (!log || !log.dataset.logUrl) {
    return;
  }

  var state = document.getElementById("job-state");
  var offset = Number(log.dataset.offset || "0");
  var url = log.dataset.logUrl;

  function poll() {
    fetch(url + "&offset=" + offset, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("log request answered " + response.status);
        }
        var next = Number(response.headers.get("X-Log-Offset") || offset);
        var jobState = response.headers.get("X-Job-State") || "";
        var finished = response.headers.get("X-Log-Finished") === "true";
        return response.text().then(function (text) {
          if (text.length > 0) {
            var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
            log.textContent += text;
            if (atBottom) {
              log.scrollTop = log.scrollHeight;
            }
          }
          offset = next;
          if (state && jobState) {
            state.textContent = jobState;
            state.className = "badge state-" + jobState;
          }
          if (finished) {
            log.dataset.finished = "true";
            // The finished job has output and log packages now: show them.
            window.setTimeout(function () { window.location.reload(); }, 500);
          } else {
            window.setTimeout(poll, 500);
          }
        });
      })
      .catch(function () {
        log.dataset.error = "true";
        window.setTimeout(poll, 2000);
      });
  }

  poll();
}());
