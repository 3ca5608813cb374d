/* Offline search over the bundle's papers (window.PUBLISH_SEARCH, from assets/search-index.js).
   Substring matching, not word tokens: Chinese has no spaces, so 扩散模型 must be
   found inside a sentence.  Every whitespace-separated term must match. */
(function () {
  "use strict";
  var LIMIT = 30;

  function fold(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  function find(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    var data = window.PUBLISH_SEARCH || [];
    if (!terms.length) {
      return [];
    }
    var hits = [];
    data.forEach(function (paper) {
      var all = terms.every(function (term) { return paper.h.indexOf(term) >= 0; });
      if (all) {
        var title = fold(paper.t);
        var inTitle = terms.every(function (term) { return title.indexOf(term) >= 0; });
        hits.push({ paper: paper, rank: inTitle ? 0 : 1 });
      }
    });
    hits.sort(function (a, b) { return a.rank - b.rank; });
    return hits.slice(0, LIMIT).map(function (hit) { return hit.paper; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function item(paper) {
    var li = element("li");
    var link = element("a", "", paper.t);
    link.href = paper.u;
    link.lang = "en";
    li.appendChild(link);
    li.appendChild(element("span", "muted", " · " + paper.d));
    if (paper.a) {
      li.appendChild(element("div", "authors", paper.a));
    }
    if (paper.s) {
      li.appendChild(element("div", "snippet", paper.s));
    }
    return li;
  }

  function show(box, query) {
    box.textContent = "";
    if (!query.trim()) {
      box.hidden = true;
      return;
    }
    var found = find(query);
    box.appendChild(element("p", "search-count", found.length + " 篇论文 / papers"));
    var list = element("ol", "search-list");
    found.forEach(function (paper) { list.appendChild(item(paper)); });
    box.appendChild(list);
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".search");
    var input = document.getElementById("search-input");
    var box = document.getElementById("search-results");
    if (!form || !input || !box) {
      return;
    }
    form.hidden = false;
    input.addEventListener("input", function () { show(box, input.value); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        input.value = "";
        show(box, "");
      }
    });
  });
})();
