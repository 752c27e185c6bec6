/* searchsvc page enhancements: search as you type, suggestions, history.
 * The page works without this file: the form submits and every link is a
 * real URL. Results are the server's own HTML (the <main> of the results
 * page), fetched and swapped in, so there is one renderer. */
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form || !window.fetch || !window.history || !window.DOMParser) return;
  var input = form.querySelector("input[name=q]");
  var list = document.getElementById("suggestions");
  var main = document.getElementById("main");
  var TYPE_DELAY = 300, SUGGEST_DELAY = 120;
  var typeTimer = null, suggestTimer = null, pageRequest = null, suggestRequest = null;
  var options = [], active = -1, typing = false;

  /* A new query keeps the page's date range, sort and grouping (the
   * section and document filters belong to the old query's results). */
  var KEPT = ["from", "to", "sort", "group", "source", "tag"];

  function resultsUrl(q) {
    var url = new URL(form.getAttribute("action") || "/", location.href);
    if (q) url.searchParams.set("q", q);
    var here = new URL(location.href).searchParams;
    KEPT.forEach(function (key) {
      here.getAll(key).forEach(function (value) { if (value) url.searchParams.append(key, value); });
    });
    return url.toString();
  }

  function showPage(url, how) {
    if (pageRequest) pageRequest.abort();
    var request = pageRequest = new AbortController();
    return fetch(url, { signal: request.signal, headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (request !== pageRequest) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("main");
        if (!fresh) return;
        main.innerHTML = fresh.innerHTML;
        document.title = page.title;
        if (how === "push") history.pushState({ typing: typing }, "", url);
        else if (how === "replace") history.replaceState({ typing: typing }, "", url);
        document.body.setAttribute("data-loaded", url);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") location.href = url; // let the browser try
      });
  }

  /* Search as you type: the first change after a settled page adds a
   * history entry, later ones while typing replace it, so Back returns to
   * the last page the user saw settle rather than to every keystroke. */
  function searchNow() {
    var q = input.value.trim();
    if (!q) return;
    var url = resultsUrl(q);
    if (url === location.href) return;
    showPage(url, typing ? "replace" : "push");
    typing = true;
  }

  function closeSuggestions() {
    list.hidden = true;
    list.innerHTML = "";
    options = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function setActive(index) {
    options.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    input.value = options[index].getAttribute("data-text");
    closeSuggestions();
    typing = false;
    clearTimeout(typeTimer);
    showPage(resultsUrl(input.value.trim()), "push");
  }

  function suggest() {
    var q = input.value;
    if (!q.trim()) { closeSuggestions(); return; }
    if (suggestRequest) suggestRequest.abort();
    var request = suggestRequest = new AbortController();
    fetch("/api/suggest?q=" + encodeURIComponent(q), { signal: request.signal })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (body) {
        if (request !== suggestRequest || input.value !== q) return;
        closeSuggestions();
        body.suggestions.forEach(function (s, i) {
          var li = document.createElement("li");
          li.id = "suggestion-" + i;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.setAttribute("data-text", s.text);
          li.textContent = s.text;
          var count = document.createElement("span");
          count.className = "count";
          count.textContent = s.count;
          li.appendChild(count);
          li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
          list.appendChild(li);
          options.push(li);
        });
        if (options.length && document.activeElement === input) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(typeTimer);
    clearTimeout(suggestTimer);
    typeTimer = setTimeout(searchNow, TYPE_DELAY);
    suggestTimer = setTimeout(suggest, SUGGEST_DELAY);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      setActive((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      closeSuggestions();
    }
  });

  input.addEventListener("blur", function () { setTimeout(closeSuggestions, 100); });

  form.addEventListener("submit", function (event) {
    var q = input.value.trim();
    if (!q) return; // the server shows the empty page
    event.preventDefault();
    clearTimeout(typeTimer);
    closeSuggestions();
    var url = resultsUrl(q);
    var how = url === location.href ? "replace" : (typing ? "replace" : "push");
    typing = false;
    showPage(url, how);
  });

  window.addEventListener("popstate", function () {
    typing = false;
    var q = new URL(location.href).searchParams.get("q") || "";
    input.value = q;
    closeSuggestions();
    showPage(location.href, null);
  });

  document.body.setAttribute("data-enhanced", "true");
})();
