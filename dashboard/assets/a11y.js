/* Keyboard and screen-reader help that Dash's in-page navigation does not give by itself.

   - After a link or the framework button changes the page (Dash swaps the content without a
     page load), focus moves to the new page's <h1>, so a keyboard or screen-reader user starts
     at the top of what is new instead of on <body> (WCAG 2.4.3).
   - The header link of the page shown carries aria-current="page" (WCAG 1.3.1, 2.4.8).
   - A table wider than the screen scrolls inside its .table-scroll box; only then is the box a
     Tab stop, so it can be scrolled from the keyboard (WCAG 2.1.1) without adding a stop to
     every table that fits.
   - A link in a review form's error summary moves focus to the field it names.
   - A review field's own error message (rendered beside it with data-error-for naming the
     field) is tied to the field here: aria-invalid="true" and aria-describedby pointing at the
     message, removed again when the message goes. Dash's dcc inputs take no aria-* properties,
     so the server cannot set them (WCAG 3.3.1, 1.3.1). */
(function () {
  "use strict";
  var pendingSince = 0;  // when a navigation started that has not yet moved focus
  var headingText = "";

  function mainHeading() {
    return document.querySelector("main h1");
  }

  function markCurrentLink() {
    var here = window.location.pathname;
    document.querySelectorAll('nav[aria-label="Main"] a').forEach(function (link) {
      var path = new URL(link.href, window.location.href).pathname;
      var current = path === "/" ? (here === "/" || here.indexOf("/framework/") === 0)
        : (here === path || here.indexOf(path + "/") === 0);
      if (current) { link.setAttribute("aria-current", "page"); } else { link.removeAttribute("aria-current"); }
    });
  }

  function markScrollingTables() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.setAttribute("tabindex", "0"); }
      else { box.removeAttribute("tabindex"); }
    });
  }

  function focusNewHeading() {
    if (!pendingSince) { return; }
    if (Date.now() - pendingSince > 15000) { pendingSince = 0; return; }  // never steal focus later on
    var heading = mainHeading();
    // The new page is in when the routing callback has set its title or the heading has changed.
    if (!heading || (heading.textContent === headingText && document.title === titleBefore)) { return; }
    pendingSince = 0;
    heading.setAttribute("tabindex", "-1");
    heading.focus({preventScroll: false});
  }

  var titleBefore = document.title;
  function navigationStarted() {
    var heading = mainHeading();
    headingText = heading ? heading.textContent : "";
    titleBefore = document.title;
    pendingSince = Date.now();
    markCurrentLink();
  }

  function describedBy(field, without) {
    return (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      return id && id !== without;
    });
  }

  function linkFieldErrors() {
    var linked = {};
    document.querySelectorAll("[data-error-for]").forEach(function (message) {
      var field = document.getElementById(message.getAttribute("data-error-for"));
      if (!field) { return; }
      linked[field.id] = true;
      var ids = describedBy(field, message.id);
      ids.push(message.id);
      field.setAttribute("aria-describedby", ids.join(" "));
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("data-error-linked", message.id);
    });
    document.querySelectorAll("[data-error-linked]").forEach(function (field) {
      if (linked[field.id]) { return; }
      var ids = describedBy(field, field.getAttribute("data-error-linked"));
      if (ids.length) { field.setAttribute("aria-describedby", ids.join(" ")); }
      else { field.removeAttribute("aria-describedby"); }
      field.removeAttribute("aria-invalid");
      field.removeAttribute("data-error-linked");
    });
  }

  // The links of an error summary (review forms) take focus to the field at fault, as GOV.UK's do:
  // following a fragment alone scrolls but may leave focus where it was.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.error-summary-link") : null;
    var field = link ? document.getElementById(decodeURIComponent(link.hash.slice(1))) : null;
    if (!field) { return; }
    event.preventDefault();
    field.focus();
    field.scrollIntoView({block: "center"});
  });

  // dcc.Link and dcc.Location (refresh="callback-nav") announce a pushState with this event.
  window.addEventListener("_dashprivate_pushstate", navigationStarted);
  window.addEventListener("popstate", navigationStarted);
  window.addEventListener("resize", markScrollingTables);

  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      markCurrentLink();
      markScrollingTables();
      linkFieldErrors();
      focusNewHeading();
    });
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
})();
