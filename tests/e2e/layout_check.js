// What tests/e2e/test_html_layout.py asks of a loaded report page, as one JSON string: the
// page's width against the viewport's, every text in a drawing's box that runs out of the box,
// every timeline label that runs into the status column, and every block of HTML text whose
// content is wider than the block (outside the boxes that scroll on purpose).
(function () {
  var problems = [];
  function describe(el) {
    var id = el.closest("[id]");
    return el.tagName.toLowerCase() + "." + (el.getAttribute("class") || "") +
      " in #" + (id ? id.id : "?") + ": " + (el.textContent || "").trim().slice(0, 60);
  }
  document.querySelectorAll("svg g.node, svg g.assertion-node").forEach(function (g) {
    var rect = g.querySelector("rect").getBBox();
    g.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      if (b.x < rect.x - 0.5 || b.x + b.width > rect.x + rect.width + 0.5 ||
          b.y < rect.y - 0.5 || b.y + b.height > rect.y + rect.height + 0.5) {
        problems.push("text out of its box: " + describe(t));
      }
    });
  });
  document.querySelectorAll("svg g.tl-entry text.label").forEach(function (t) {
    var b = t.getBBox();
    if (b.x + b.width > 326) { problems.push("label into the status column: " + describe(t)); }
  });
  var blocks = "p, li, dd, dt, h1, h2, h3, h4, td, th, caption, figcaption, blockquote, " +
    "summary, nav, header, main, footer, section, article, figure, .legend";
  document.querySelectorAll(blocks).forEach(function (el) {
    if (el.closest(".scroll") && !el.matches("td, th, caption")) { return; }
    var style = getComputedStyle(el);
    if (style.display === "none" || style.overflowX !== "visible") { return; }
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push("overflows its block (" + el.scrollWidth + " > " + el.clientWidth + "): " +
        describe(el));
    }
  });
  var root = document.documentElement;
  return JSON.stringify({
    viewport: window.innerWidth,
    visible: root.clientWidth,  // the viewport less a vertical scrollbar
    page: Math.max(root.scrollWidth, document.body.scrollWidth),
    drawings: document.querySelectorAll("figure svg").length,
    nodes: document.querySelectorAll("svg g.node, svg g.assertion-node").length,
    problems: problems
  });
})()
