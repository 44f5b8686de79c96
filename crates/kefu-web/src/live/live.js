// kefu live monitor: reads /live/stream (server-sent events) and fills the page's tables.
// Our own script, no library; text is set with textContent only.
(function () {
  "use strict";
  var root = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!root || !window.EventSource) { return; }
  var received = Date.now();
  var last = null;

  function mmss(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }
  function fill(id, rows, make) {
    var body = document.querySelector("#" + id + " tbody");
    if (!body) { return; }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      make(tr, r);
      body.appendChild(tr);
    });
  }
  function set(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }
  function tick() {
    if (!last) { return; }
    var passed = Date.now() - received;
    document.querySelectorAll("[data-wait]").forEach(function (el) {
      el.textContent = mmss(Number(el.getAttribute("data-wait")) + passed);
    });
  }
  function draw(f) {
    last = f;
    received = Date.now();
    set("queue", String(f.queue));
    set("longest", f.waiting.length ? mmss(Math.max.apply(null, f.waiting.map(function (w) { return w.wait_ms; }))) : "—");
    set("active-count", String(f.active.length));
    set("slow-count", String(f.slow.length));
    fill("waiting", f.waiting, function (tr, w) {
      cell(tr, w.account);
      cell(tr, w.buyer);
      cell(tr, w.since);
      cell(tr, mmss(w.wait_ms), "num clock").setAttribute("data-wait", String(w.wait_ms));
    });
    var none = document.getElementById("waiting-none");
    if (none) { none.hidden = f.waiting.length > 0; }
    fill("accounts", f.accounts, function (tr, a) {
      cell(tr, a.account);
      cell(tr, String(a.waiting), "num");
      var c = cell(tr, a.waiting ? mmss(a.longest_ms) : "—", "num clock");
      if (a.waiting) { c.setAttribute("data-wait", String(a.longest_ms)); }
      cell(tr, a.active ? "●" : "");
    });
    fill("slow", f.slow, function (tr, s) {
      cell(tr, s.answered_at);
      cell(tr, s.account);
      cell(tr, s.buyer);
      cell(tr, mmss(s.wait_ms), "num");
    });
    if (f.today) {
      var t = f.today;
      set("consulted", String(t.consulted));
      set("consulted-lw", String(t.consulted_last_week));
      set("buyer-msgs", String(t.buyer_msgs));
      set("buyer-msgs-lw", String(t.buyer_msgs_last_week));
      set("receptions", String(t.receptions));
      set("receptions-lw", String(t.receptions_last_week));
      set("unreplied", String(t.unreplied));
      set("unreplied-lw", String(t.unreplied_last_week));
    }
  }
  var source = new EventSource(root.getAttribute("data-stream"));
  source.onopen = function () {
    if (status) { status.textContent = status.getAttribute("data-live"); }
  };
  source.onmessage = function (e) {
    try { draw(JSON.parse(e.data)); } catch (err) { /* a bad frame: wait for the next */ }
    if (status) { status.textContent = status.getAttribute("data-live"); }
  };
  source.onerror = function () {
    if (status) { status.textContent = status.getAttribute("data-lost"); }
  };
  setInterval(tick, 1000);
})();
