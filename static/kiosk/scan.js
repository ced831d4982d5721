/* Scan with the kiosk camera: frames go to the server (zxing-cpp decodes them there), which
   answers with the page to open. Says plainly when there is no camera. */
(function () {
  "use strict";
  var box = document.querySelector(".k-scan");
  if (!box) { return; }
  var status = document.getElementById("k-scan-status");
  var camera = box.querySelector(".k-camera");
  var video = document.getElementById("k-video");
  var canvas = document.createElement("canvas");
  var busy = false, stopped = false;

  function say(text) { status.textContent = text; }

  function noCamera() {
    camera.hidden = true;
    say("本机没有可用的摄像头，暂不能扫码。请点击下方按钮，输入统一社会信用代码查询。");
  }

  function send(blob) {
    var data = new FormData();
    data.append("frame", blob, "frame.jpg");
    data.append("v", box.getAttribute("data-visit"));
    return fetch(box.getAttribute("data-frame-url"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": box.getAttribute("data-csrf"), Accept: "application/json" }
    }).then(function (r) { return r.json(); });
  }

  function grab() {
    if (stopped || busy || !video.videoWidth) { return; }
    busy = true;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      send(blob).then(function (answer) {
        busy = false;
        if (answer.go) { stopped = true; say("已识别，正在打开…"); window.location.assign(answer.go); }
        else if (answer.message) { say(answer.message); }
      }).catch(function () { busy = false; say("识别服务暂不可用，请稍后再试。"); });
    }, "image/jpeg", 0.85);
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { noCamera(); return; }
  navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false })
    .then(function (stream) {
      camera.hidden = false;
      video.srcObject = stream;
      video.play();
      say("请将二维码放在白框内，保持不动。");
      setInterval(grab, 500);
      window.addEventListener("pagehide", function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
      });
    })
    .catch(function (error) {
      if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) { noCamera(); }
      else { camera.hidden = true; say("摄像头暂时无法使用，请咨询工作人员，或输入统一社会信用代码查询。"); }
    });
}());
