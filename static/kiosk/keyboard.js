/* The on-screen keyboard, typed locally (no page load per key), with live name candidates
   from the site's typeahead (/search/suggest). Without script each key submits the form. */
(function () {
  "use strict";
  var form = document.querySelector("form.k-search, form.k-track");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[readonly]"));
  var fieldInput = form.querySelector("input[name=field]");
  var active = form.querySelector("input[aria-current=true]") || inputs[0];
  var suggestUrl = form.getAttribute("data-suggest");
  var subjectUrl = form.getAttribute("data-subject-url");
  var list = document.getElementById("k-candidates");
  var status = document.getElementById("k-candidates-status");
  var timer = null, asked = "";

  function setActive(input) {
    active = input;
    inputs.forEach(function (i) { i.removeAttribute("aria-current"); });
    input.setAttribute("aria-current", "true");
    if (fieldInput) { fieldInput.value = input.getAttribute("data-field"); }
    form.querySelectorAll("button[name=switch]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.value === fieldInput.value ? "true" : "false");
    });
  }

  function show(items, query) {
    if (active.value !== query) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "k-candidate";
      a.href = subjectUrl.replace("/subjects/0", "/subjects/" + encodeURIComponent(item.id));
      a.textContent = item.name;
      if (item.uscc) {
        var small = document.createElement("small");
        small.textContent = item.uscc;
        a.appendChild(small);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    status.textContent = items.length ? "共 " + items.length + " 个，点击查看信用信息。"
      : "未找到匹配的企业，请检查输入。";
  }

  function suggest() {
    if (!suggestUrl || !list) { return; }
    var query = active.value;
    clearTimeout(timer);
    if (!query) { show([], query); status.textContent = "输入后，匹配的企业会显示在这里，点击即可查看。"; return; }
    timer = setTimeout(function () {
      asked = query;
      fetch(suggestUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (asked === query) { show(data.suggestions || [], query); } })
        .catch(function () { status.textContent = "查询服务暂不可用，请点击“查询”。"; });
    }, 150);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.name === "switch") {
      event.preventDefault();
      var target = form.querySelector("input[data-field=" + button.value + "]");
      if (target) { setActive(target); }
      return;
    }
    var key = button.getAttribute("data-key");
    if (key === null) { return; }  // 查询, keyboard type: submit as usual
    event.preventDefault();
    var value = active.value;
    if (key === "BS") { value = value.slice(0, -1); }
    else if (key === "CLR") { value = ""; }
    else if (value.length < (active.maxLength > 0 ? active.maxLength : 30)) { value += key; }
    active.value = value;
    suggest();
  });
}());
