/* The kiosk's common behaviour: idle countdown and reset, touch heartbeat, printing, and
   telling the visitor plainly when there is no camera. Pages work without it. */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle"), 10) || 90;
  var countdown = parseInt(body.getAttribute("data-countdown"), 10) || 10;
  var resetUrl = body.getAttribute("data-reset");
  var aliveUrl = body.getAttribute("data-alive");
  var dialog = document.getElementById("k-idle");
  var counter = document.getElementById("k-idle-count");
  var idleTimer = null, tickTimer = null, left = 0, lastAlive = Date.now();

  function endVisit() {
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* none */ }
    document.querySelectorAll("form").forEach(function (form) { form.reset(); });
    // replace(): the page that showed the visitor's data is not left as the current entry.
    window.location.replace(resetUrl);
  }

  function tick() {
    left -= 1;
    counter.textContent = String(left);
    if (left <= 0) { clearInterval(tickTimer); endVisit(); }
  }

  function startCountdown() {
    left = countdown;
    counter.textContent = String(left);
    dialog.hidden = false;
    document.getElementById("k-idle-stay").focus();
    tickTimer = setInterval(tick, 1000);
  }

  function touched() {
    if (tickTimer) { clearInterval(tickTimer); tickTimer = null; dialog.hidden = true; }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(startCountdown, idle * 1000);
    // Typing on the keyboard makes no request: tell the server the visit goes on.
    if (aliveUrl && Date.now() - lastAlive > 20000) {
      lastAlive = Date.now();
      fetch(aliveUrl, { credentials: "same-origin" }).catch(function () { /* next touch */ });
    }
  }

  ["pointerdown", "touchstart", "keydown", "scroll"].forEach(function (name) {
    window.addEventListener(name, touched, { passive: true, capture: true });
  });
  touched();

  // Nothing opens a new window or leaves the kiosk.
  window.open = function () { return null; };

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  if (body.getAttribute("data-autoprint") === "1") {
    window.addEventListener("load", function () { setTimeout(function () { window.print(); }, 300); });
  }

  // The start screen's scan tile says so when this machine has no camera.
  var tile = document.getElementById("k-scan-tile");
  if (tile) {
    var noCamera = function () {
      tile.setAttribute("aria-disabled", "true");
      tile.innerHTML = "";
      tile.appendChild(document.createTextNode("扫码核验"));
      var note = document.createElement("small");
      note.textContent = "本机没有可用的摄像头，暂不能扫码。请用“查询企业信用”输入代码。";
      tile.appendChild(note);
    };
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) { noCamera(); } else {
      navigator.mediaDevices.enumerateDevices().then(function (devices) {
        if (!devices.some(function (d) { return d.kind === "videoinput"; })) { noCamera(); }
      }).catch(noCamera);
    }
  }
}());
