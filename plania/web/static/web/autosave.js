/* Autosave of the dossier form (progressive enhancement: the page works without it).
 *
 * Posts the form's data to data-autosave-url a few seconds after a change (and when the
 * page is hidden), then shows "Enregistré à HH:MM:SS" and the errors of what was typed.
 * The form's hidden `version` is the dossier version the page holds: the server refuses a
 * save built on an older version (another tab, another member) with 409, and this script
 * then stops and says so — it never overwrites the other version silently. The Save
 * button still works and, after the message, replaces the other version knowingly.
 */
(function () {
  "use strict";
  var form = document.getElementById("dossier-form");
  if (!form || !form.dataset.autosaveUrl || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var status = document.getElementById("autosave-status");
  var version = form.querySelector("input[name=version]");
  var PERIOD_MS = 4000;
  var CHANGE_DELAY_MS = 600;
  var dirty = false;
  var inFlight = false;
  var stopped = false;
  var timer = null;

  function say(text, kind) {
    if (!status) {
      return;
    }
    status.textContent = text;
    if (kind) {
      status.setAttribute("data-kind", kind);
    } else {
      status.removeAttribute("data-kind");
    }
  }

  function showErrors(errors) {
    var paragraphs = form.querySelectorAll("[data-error-for]");
    Array.prototype.forEach.call(paragraphs, function (p) {
      var id = p.getAttribute("data-error-for");
      var messages = errors[id] || [];
      p.textContent = messages.join(" ");
      p.hidden = messages.length === 0;
      var input = document.getElementById(id);
      var group = input && input.type === "radio"
        ? form.querySelectorAll("input[name='" + input.name + "']")
        : (input ? [input] : []);
      Array.prototype.forEach.call(group, function (el) {
        if (messages.length) {
          el.setAttribute("aria-invalid", "true");
        } else {
          el.removeAttribute("aria-invalid");
        }
      });
    });
  }

  function save() {
    if (stopped || inFlight || !dirty) {
      return;
    }
    var data = new FormData(form);
    data.set("action", "autosave");
    dirty = false;
    inFlight = true;
    say(form.dataset.msgSaving || "…");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error("session");
      }
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (result) {
      if (result.status === 200) {
        if (version) {
          version.value = result.body.version;
        }
        say(result.body.message, "saved");
        showErrors(result.body.errors || {});
      } else if (result.status === 409) {
        stopped = true;
        say(result.body.detail, "stale");
      } else {
        dirty = true;
        say(result.body.detail || form.dataset.msgError, "error");
      }
    }).catch(function (error) {
      dirty = true;
      say(error.message === "session" ? form.dataset.msgSession : form.dataset.msgError, "error");
    }).then(function () {
      inFlight = false;
    });
  }

  form.addEventListener("input", function () {
    dirty = true;
  });
  form.addEventListener("change", function () {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, CHANGE_DELAY_MS);
  });
  form.addEventListener("submit", function () {
    // The full save (button) takes over; no autosave may race it.
    stopped = true;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save();
    }
  });
  window.setInterval(save, PERIOD_MS);
})();
