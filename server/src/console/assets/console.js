// The console's script: a progressive layer over server-rendered pages. Every
// page works without it; with it, the catalogue filters as you type, a block's
// form runs inline and shows each output as it arrives, problems appear at their
// fields, and run lists and pages update live.
"use strict";

(function () {
  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // Catalogue search: hide blocks whose name and description do not match.
  each("input[data-filter]", function (input) {
    var empty = document.getElementById("no-blocks");
    function apply() {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      each("section[data-category]", function (section) {
        var visible = 0;
        each("li.block", function (item) {
          var match = !query || item.getAttribute("data-search").indexOf(query) !== -1;
          item.hidden = !match;
          if (match) visible++;
        }, section);
        section.hidden = visible === 0;
        shown += visible;
      });
      if (empty) empty.hidden = shown !== 0;
    }
    input.addEventListener("input", apply);
  });

  // Fields that depend on others are enabled once those have a value (in the
  // same form: a block's page has two forms generated from its schema).
  each("form[data-fields]", function (form) {
    function refresh() {
      each("[data-depends-on]", function (control) {
        var ready = control.getAttribute("data-depends-on").split(" ").every(function (name) {
          var other = form.querySelector('[data-field="' + CSS.escape(name) + '"] input:not([type=hidden]), [data-field="' +
            CSS.escape(name) + '"] select, [data-field="' + CSS.escape(name) + '"] textarea');
          if (!other) return true;
          return other.type === "checkbox" ? other.checked : other.value.trim() !== "";
        });
        // A checkbox's hidden `false` goes with it, so the block's default applies.
        each('[name="' + CSS.escape(control.name) + '"]', function (part) { part.disabled = !ready; }, form);
      }, form);
    }
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    refresh();
  });

  function clearProblems(form) {
    each(".field-error", function (slot) { slot.hidden = true; slot.textContent = ""; }, form);
    each("[aria-invalid]", function (control) { control.removeAttribute("aria-invalid"); }, form);
    form.querySelector(".general-errors").textContent = "";
  }

  function showProblems(form, answer) {
    var first = null;
    var general = form.querySelector(".general-errors");
    var problems = answer.problems || [];
    problems.forEach(function (problem) {
      var field = problem.field ? form.querySelector('[data-field="' + CSS.escape(problem.field) + '"]') : null;
      if (!field) {
        var line = document.createElement("p");
        line.className = "notice error";
        line.textContent = problem.message;
        general.appendChild(line);
        return;
      }
      var slot = field.querySelector(".field-error");
      var text = document.createElement("span");
      text.textContent = problem.message;
      slot.appendChild(text);
      slot.hidden = false;
      var control = field.querySelector("input:not([type=hidden]), select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        if (!first) first = control;
        var details = field.closest("details");
        if (details) details.open = true;
      }
    });
    if (!problems.length) {
      var notice = document.createElement("p");
      notice.className = "notice error";
      notice.textContent = answer.message || "The run was refused.";
      general.appendChild(notice);
    }
    if (first) first.focus();
  }

  function addOutput(list, name, data) {
    var item = document.createElement("li");
    item.className = name === "error" ? "output error" : "output";
    var pin = document.createElement("code");
    pin.className = "pin-name";
    pin.textContent = name;
    var value = document.createElement("pre");
    value.className = "json";
    try { value.textContent = JSON.stringify(JSON.parse(data), null, 2); } catch (e) { value.textContent = data; }
    item.appendChild(pin);
    item.appendChild(value);
    list.appendChild(item);
  }

  // Reads a Server-Sent Events body, calling back once per event.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r/g, "");
        var end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var name = "message", data = [];
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
          });
          if (data.length) onEvent(name, data.join("\n"));
        }
        return pump();
      });
    }
    return pump();
  }

  each("form[data-run]", function (form) {
    var results = form.parentNode.querySelector(".results");
    var status = results.querySelector(".run-status");
    var list = results.querySelector(".outputs");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearProblems(form);
      var body = new URLSearchParams(new FormData(form));
      button.disabled = true;
      list.textContent = "";
      status.textContent = "Starting…";
      results.hidden = false;
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "text/event-stream", "X-CSRF-Token": body.get("csrf") || "" }
      }).then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (type.indexOf("text/event-stream") === -1) {
          results.hidden = true;
          return response.json().then(function (answer) { showProblems(form, answer); },
            function () { showProblems(form, { message: "The server answered " + response.status + "." }); });
        }
        return readEvents(response, function (name, data) {
          if (name === "run") {
            var run = JSON.parse(data);
            status.textContent = "Running… ";
            var link = document.createElement("a");
            link.href = "/runs/" + encodeURIComponent(run.id);
            link.textContent = "Open the run";
            status.appendChild(link);
            status.setAttribute("data-run-id", run.id);
          } else if (name === "end") {
            var end = JSON.parse(data);
            var link = status.querySelector("a");
            status.textContent = "Run " + end.status + " · " + end.charged + " credit(s) charged. ";
            if (link) status.appendChild(link);
            status.setAttribute("data-status", end.status);
          } else {
            addOutput(list, name, data);
          }
        });
      }).catch(function (error) {
        status.textContent = "The connection failed: " + error.message;
      }).then(function () { button.disabled = false; });
    });
  });

  // The runs list follows new runs while the page is visible.
  each("tbody[data-feed]", function (body) {
    var url = body.getAttribute("data-feed");
    setInterval(function () {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        var count = document.querySelector("[data-count]");
        var total = response.headers.get("x-total-count");
        if (count && total !== null) count.textContent = total;
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html !== null && html !== body.innerHTML) body.innerHTML = html;
      }).catch(function () {});
    }, 2000);
  });

  // A run's page shows its events as they come, then reloads to show the end.
  each("ol[data-events]", function (list) {
    var source = new EventSource(list.getAttribute("data-events"));
    function on(name) {
      return function (event) {
        addOutput(list, name, event.data);
        if (name === "run.end") {
          source.close();
          setTimeout(function () { location.reload(); }, 400);
        }
      };
    }
    source.onmessage = on("message");
    var seen = {};
    // Named events: pins are not known in advance, so listen to what the page lists.
    (list.getAttribute("data-pins") || "").split(" ").concat(["error", "run.end"]).forEach(function (name) {
      if (name && !seen[name]) { seen[name] = true; source.addEventListener(name, on(name)); }
    });
  });

  // An agent's file is read into the import form's text area, to be checked
  // and sent like pasted JSON.
  each("input[type=file][data-json-into]", function (input) {
    var target = document.getElementById(input.getAttribute("data-json-into"));
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !target) return;
      file.text().then(function (text) { target.value = text; target.dispatchEvent(new Event("input")); },
        function () { target.value = ""; });
    });
  });

  // A graph run's progress, node by node, on the diagram and the node list:
  // a node runs while one of its executions has started and not ended, then
  // shows how its executions ended (any failure marks it failed).
  each("[data-run-events]", function (section) {
    var status = section.querySelector("[data-run-status]");
    var outputs = section.querySelector("[data-graph-outputs]");
    var nodes = {};
    var source = new EventSource(section.getAttribute("data-run-events"));
    var words = { running: "running", completed: "completed", failed: "failed", idle: "waiting" };
    function mark(id, state, count) {
      var selector = '[data-node="' + CSS.escape(id) + '"]';
      each("g" + selector, function (node) { node.setAttribute("data-status", state); });
      each("li" + selector, function (item) {
        var badge = item.querySelector("[data-node-status]");
        badge.className = "status " + state;
        badge.textContent = words[state] || state;
        if (count > 1) item.querySelector("[data-node-count]").textContent = "×" + count;
      });
    }
    function node(id) {
      return nodes[id] || (nodes[id] = { started: 0, ended: 0, failed: false });
    }
    function refresh(id) {
      var seen = node(id);
      var state = seen.started > seen.ended ? "running" : seen.failed ? "failed" : "completed";
      mark(id, state, seen.started);
    }
    source.addEventListener("node.started", function (event) {
      var data = JSON.parse(event.data);
      node(data.node_id).started++;
      status.textContent = "Running…";
      status.setAttribute("data-status", "running");
      refresh(data.node_id);
    });
    source.addEventListener("node.ended", function (event) {
      var data = JSON.parse(event.data);
      var seen = node(data.node_id);
      seen.ended++;
      // Node statuses come in the reference's spelling (`COMPLETED`, `FAILED`).
      if (String(data.status).toLowerCase() !== "completed") seen.failed = true;
      refresh(data.node_id);
    });
    source.addEventListener("graph.output", function (event) {
      var data = JSON.parse(event.data);
      addOutput(outputs, data.name, JSON.stringify(data.value));
    });
    source.addEventListener("run.end", function (event) {
      var data = JSON.parse(event.data);
      source.close();
      status.textContent = "Run " + data.status + (data.error ? ": " + data.error : "") + ".";
      status.setAttribute("data-status", data.status);
    });
    source.addEventListener("failure", function (event) {
      source.close();
      status.textContent = "Following the run failed: " + event.data;
    });
  });

  // A provider icon that cannot be loaded (the server may be offline) gives way
  // to the generic one.
  each("img[data-fallback]", function (img) {
    function fallback() { img.src = img.getAttribute("data-fallback"); img.removeAttribute("data-fallback"); }
    if (img.complete && img.naturalWidth === 0) fallback(); else img.addEventListener("error", fallback, { once: true });
  });

  each("form[data-confirm]", function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  each("input[data-select]", function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
