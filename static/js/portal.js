/* The portal's own script, loaded on every page (no inline script: the Content-Security-
   Policy will forbid them). Everything here improves pages that work without it:
   - the session-expiry warning: five minutes before an idle session ends, a dialog offers to
     stay connected (the button posts the keep-alive form with htmx, or plainly);
   - unsaved entries: leaving a dossier page while an autosave has not gone through asks
     first. */
(function () {
  "use strict";

  function sessionWarning() {
    var body = document.body;
    var seconds = parseInt(body.dataset.sessionSeconds || "0", 10);
    var warnBefore = parseInt(body.dataset.sessionWarningSeconds || "0", 10);
    var dialog = document.getElementById("session-warning");
    if (!seconds || !dialog) {
      return;
    }
    var warnTimer = null;
    var endTimer = null;
    var expired = document.getElementById("session-expired");

    function arm() {
      window.clearTimeout(warnTimer);
      window.clearTimeout(endTimer);
      dialog.hidden = true;
      warnTimer = window.setTimeout(function () {
        dialog.hidden = false;
        var button = dialog.querySelector("button");
        if (button) {
          button.focus();
        }
      }, Math.max(seconds - warnBefore, 0) * 1000);
      endTimer = window.setTimeout(function () {
        dialog.hidden = true;
        if (expired) {
          expired.hidden = false;
        }
      }, seconds * 1000);
    }

    arm();
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      if (xhr && xhr.status && xhr.status !== 401) {
        arm();
      }
    });
    document.body.addEventListener("session-expired", function () {
      dialog.hidden = true;
      if (expired) {
        expired.hidden = false;
      }
    });
  }

  function unsavedGuard() {
    var dirty = false;
    document.addEventListener("input", function (event) {
      if (event.target.closest && event.target.closest("form[data-autosave]")) {
        dirty = true;
      }
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      if (form && form.matches && form.matches("form[data-autosave]")) {
        dirty = !event.detail.successful ||
          !!document.querySelector("#autosave-status .autosave-status__error");
      }
    });
    document.addEventListener("submit", function () {
      dirty = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sessionWarning();
    unsavedGuard();
  });
})();
