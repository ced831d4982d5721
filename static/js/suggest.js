/* Typeahead for the search box: progressive enhancement only. Without JavaScript the form
   works as a plain GET form. Fills the input's <datalist> with names from /search/suggest. */
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  var endpoint = input.getAttribute("data-suggest");
  var timer = null;
  var last = "";

  function fill(items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.name;
      if (item.uscc) { option.label = item.name + "（" + item.uscc + "）"; }
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    var prefix = input.value.trim();
    if (timer) { clearTimeout(timer); }
    if (prefix.length < 2 || prefix === last) { return; }
    timer = setTimeout(function () {
      last = prefix;
      fetch(endpoint + "?q=" + encodeURIComponent(prefix), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === prefix) { fill(data.suggestions || []); } })
        .catch(function () { /* typeahead is optional */ });
    }, 200);
  });
}());
