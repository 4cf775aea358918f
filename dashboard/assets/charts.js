/* Charts legible on a phone (WCAG 1.4.10 at 320 px): below 576 px wide each chart gets smaller
   type, a title wrapped to the width instead of cut off, fewer ticks and a legend in small type,
   once per drawing. The box around the chart is taller on a phone (outcomes.css), so the legend
   below leaves the plot its room. The figures themselves stay as the reports draw them. */
(function () {
  "use strict";
  var NARROW = 576;

  function wrap(text, perLine) {
    var words = String(text).replace(/<br>/g, " ").split(/\s+/), lines = [], line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > perLine) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function fit(gd) {
    if (!window.Plotly || !gd._fullLayout || gd.offsetWidth === 0) { return; }
    var width = gd.offsetWidth, narrow = width < NARROW, fitted = narrow ? String(width) : "wide";
    if (gd.dataset.fittedFor === fitted) { return; }
    var first = gd.dataset.fittedFor === undefined;
    gd.dataset.fittedFor = fitted;  // tests wait for this
    var layout = gd.layout;
    if (gd.dataset.originalTitle === undefined) {
      gd.dataset.originalTitle = (layout.title && layout.title.text) || "";
      gd.dataset.originalY = (layout.yaxis && layout.yaxis.title && layout.yaxis.title.text) || "";
      gd.dataset.originalX = (layout.xaxis && layout.xaxis.title && layout.xaxis.title.text) || "";
    }
    var title = gd.dataset.originalTitle, yTitle = gd.dataset.originalY, xTitle = gd.dataset.originalX;
    if (!narrow && first) { return; }  // drawn wide, as the figure says
    if (!narrow) {
      window.Plotly.relayout(gd, {"title.text": title, "title.subtitle.text": "", "yaxis.title.text": yTitle,
                                  "xaxis.title.text": xTitle,
                                  "font.size": 14, "legend.font.size": 14, "margin.l": 60, "margin.r": 20,
                                  "margin.t": 60, "xaxis.nticks": 0, "yaxis.nticks": 0});
      return;
    }
    // The unit moves from the rotated y-axis title (cut off or over the title on a phone) to a
    // subtitle under the title, where it has the whole width.
    var perLine = Math.max(18, Math.floor((width - 16) / 8)), lines = wrap(title, perLine);
    // A horizontal bar chart has its unit on the x axis, centred under a plot narrowed by the area
    // names: it moves to the subtitle in the same way.
    var unitText = yTitle || xTitle, unit = unitText ? wrap(unitText, Math.floor(perLine * 1.15)) : [];
    window.Plotly.relayout(gd, {
      "title.text": lines.join("<br>"), "title.font.size": 14, "title.subtitle.text": unit.join("<br>"),
      "title.subtitle.font.size": 12, "yaxis.title.text": "",
      "xaxis.title.text": yTitle ? xTitle : "", "font.size": 12, "legend.font.size": 12,
      "margin.l": 44, "margin.r": 8, "margin.t": 30 + 18 * lines.length + 15 * unit.length,
      "xaxis.nticks": 4, "yaxis.nticks": 6, "xaxis.automargin": true, "yaxis.automargin": true,
    });
  }

  function fitAll() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (!gd.dataset.fitBound && gd.on) {
        gd.dataset.fitBound = "1";
        gd.on("plotly_afterplot", function () { window.requestAnimationFrame(function () { fit(gd); }); });
      }
      fit(gd);
    });
  }

  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) { return; }
    scheduled = true;
    window.setTimeout(function () { scheduled = false; fitAll(); }, 100);
  }).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener("resize", fitAll);
})();
