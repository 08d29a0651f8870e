// For customers' pages: sizes the portal's iframes (webinar forms, published meetings) to
// their content. Paste after the iframe:
//
//   <iframe src="https://portal.example/w/launch/embed/" data-portal-embed height="672" ...></iframe>
//   <script src="https://portal.example/static/portal/embed.js" async></script>
//
// The page in the frame (static/portal/embed-frame.js) posts {type: "portal:resize", height}
// whenever its height changes. A message counts only if it comes from one of these iframes'
// own windows (event.source) and from the origin the iframe was given (event.origin), which
// is the portal's: another frame or window on the page cannot resize anything. Without this
// script the iframe keeps the height the snippet gives it.
(function () {
  "use strict";
  var MAX_HEIGHT = 20000; // a bound, so that no message can make a page miles long

  function originOf(url) {
    try { return new URL(url, document.baseURI).origin; } catch (e) { return ""; }
  }
  // The portal is where this script came from (document.currentScript is set while an async
  // classic script runs); an iframe elsewhere is not ours to size.
  var script = document.currentScript;
  var portal = script && script.src ? originOf(script.src) : "";

  function frames() {
    var found = [];
    var all = document.querySelectorAll("iframe[data-portal-embed]");
    for (var i = 0; i < all.length; i++) {
      var origin = originOf(all[i].getAttribute("src") || "");
      if (origin && origin !== "null" && (!portal || origin === portal)) {
        found.push({ element: all[i], origin: origin });
      }
    }
    return found;
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "portal:resize") return;
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) return;
    var list = frames();
    for (var i = 0; i < list.length; i++) {
      var frame = list[i];
      if (frame.element.contentWindow !== event.source) continue;
      if (event.origin !== frame.origin) return; // the frame was navigated elsewhere
      frame.element.style.height = Math.min(Math.ceil(height), MAX_HEIGHT) + "px";
      return;
    }
  });

  // The frames may have loaded before this script (it is async) and reported their height to
  // no one: ask them again. A frame whose document this page can still read shows the
  // initial about:blank; the portal's page reports by itself once it loads, and a message
  // sent now would only put an error in the console.
  function showsThePortal(frame) {
    try {
      void frame.contentWindow.location.href; // readable: still this page's own about:blank
      return false;
    } catch (e) {
      return true; // cross-origin: the portal's page is there
    }
  }
  var list = frames();
  for (var i = 0; i < list.length; i++) {
    var frame = list[i].element;
    if (frame.contentWindow && showsThePortal(frame)) {
      frame.contentWindow.postMessage({ type: "portal:hello" }, list[i].origin);
    }
  }
})();
