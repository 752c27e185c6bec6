/* searchsvc page enhancements: search as you type (never while an input
 * method is composing), suggestions, history, the / key, the filters
 * opened on wide screens, copying a citation, and stepping through a
 * document's matches with n and p.
 * The page works without this file: the form submits and every link is a
 * real URL. Results are the server's own HTML (the <main> of the results
 * page), fetched and swapped in, so there is one renderer. */
(function () {
  "use strict";
  var WIDE = window.matchMedia ? window.matchMedia("(min-width: 721px)") : null;

  function typingIn(target) {
    return target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  /* Parts of a page that the results swap brings in again. */
  function enhance(root) {
    var filters = root.querySelector("details.filters");
    if (filters && WIDE && WIDE.matches) {
      filters.open = true;
      filters.classList.add("pinned"); // a sidebar, not a control to open
    }
    Array.prototype.forEach.call(root.querySelectorAll(".cite .copy"), function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".cite .copy");
    if (!button) return;
    var text = button.parentNode.querySelector("textarea");
    function done() { button.textContent = "已复制"; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text.value).then(done, function () {
        text.select(); document.execCommand("copy"); done();
      });
    } else {
      text.select(); document.execCommand("copy"); done();
    }
  });

  documentMatches();
  enhance(document);

  var form = document.querySelector("form.search");
  if (!form || !window.fetch || !window.history || !window.DOMParser) return;
  var input = form.querySelector("input[name=q]");
  var list = document.getElementById("suggestions");
  var main = document.getElementById("main");
  var TYPE_DELAY = 300, SUGGEST_DELAY = 120;
  var typeTimer = null, suggestTimer = null, pageRequest = null, suggestRequest = null;
  var options = [], active = -1, typing = false, composing = false;

  /* / puts the cursor in the search box, as on most search sites. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey ||
        typingIn(event.target)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

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
        shown = withoutHash(url);
        enhance(main);
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

  function stopWaiting() {
    clearTimeout(typeTimer);
    clearTimeout(suggestTimer);
    if (suggestRequest) suggestRequest.abort();
  }

  /* An input method's composition (yingshang before 营商 is picked) is not
   * what the reader means yet: nothing is searched, suggested or put in
   * the history until it is committed; the committed text searches at once. */
  input.addEventListener("compositionstart", function () {
    composing = true;
    stopWaiting();
    closeSuggestions();
  });

  input.addEventListener("compositionend", function () {
    composing = false;
    stopWaiting();
    searchNow();
    suggest();
  });

  input.addEventListener("input", function (event) {
    stopWaiting();
    if (composing || event.isComposing) return;
    typeTimer = setTimeout(searchNow, TYPE_DELAY);
    suggestTimer = setTimeout(suggest, SUGGEST_DELAY);
  });

  input.addEventListener("keydown", function (event) {
    if (composing || event.isComposing || event.keyCode === 229) return; // the input method's keys
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
    if (composing) { event.preventDefault(); return; }
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

  function withoutHash(url) { return url.split("#")[0]; }
  var shown = withoutHash(location.href); // the page main now holds

  window.addEventListener("popstate", function () {
    if (withoutHash(location.href) === shown) return; // a jump within the page (#p8)
    typing = false;
    var q = new URL(location.href).searchParams.get("q") || "";
    input.value = q;
    closeSuggestions();
    showPage(location.href, null);
  });

  document.body.setAttribute("data-enhanced", "true");

  /* A document opened from a search: n and p (or the buttons) step through
   * its marks, in reading order, round at either end. */
  function documentMatches() {
    var nav = document.querySelector(".match-nav");
    if (!nav) return;
    var marks = document.querySelectorAll("article.document mark");
    var next = nav.querySelector(".match-next"), prev = nav.querySelector(".match-prev");
    if (!marks.length || !next) return;
    var at = -1, where = nav.querySelector(".match-at"), index = nav.querySelector(".match-index");
    function go(step) {
      if (at >= 0) marks[at].classList.remove("current");
      at = (at + step + marks.length) % marks.length;
      var mark = marks[at];
      mark.classList.add("current");
      mark.scrollIntoView({ block: "center" });
      index.textContent = String(at + 1);
      where.hidden = false;
      nav.setAttribute("data-at", String(at + 1));
    }
    next.hidden = prev.hidden = false;
    next.addEventListener("click", function () { go(1); });
    prev.addEventListener("click", function () { go(-1); });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
      if (event.key === "n") { event.preventDefault(); go(1); }
      else if (event.key === "p") { event.preventDefault(); go(-1); }
    });
  }
})();
