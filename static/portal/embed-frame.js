// Inside an embedded page (webinar form, published meetings): tell the customer's page how
// tall this page is, so that static/portal/embed.js there can size the iframe to fit, and,
// when the page is opened on its own rather than in a frame, show the note that says so.
(function () {
  "use strict";
  var root = document.documentElement;

  if (window.parent === window) {
    // Not framed: a visitor opened the address directly (perhaps because a site that is not
    // allowed to frame it showed the browser's error instead). Say what this page is for.
    var notice = document.getElementById("embed-notice");
    if (notice) notice.hidden = false;
    return;
  }

  // Where the message may go. The embedding page's origin when we know it: Chromium and
  // Safari list it in location.ancestorOrigins; otherwise the Referer of the first load
  // names it (strict-origin-when-cross-origin, the default policy, keeps the origin). After
  // a submit, the Referer is this portal's own form, which is not the parent, so it is not
  // used then. When neither tells us (Firefox after a submit, or a page with
  // Referrer-Policy: no-referrer), "*": the message holds only a height in pixels, which is
  // no secret, and only sites in the customer's frame-ancestors can be our parent anyway.
  function parentOrigin() {
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length && ancestors[0] !== "null") return ancestors[0];
    try {
      var referrer = new URL(document.referrer).origin;
      if (referrer && referrer !== "null" && referrer !== window.location.origin) return referrer;
    } catch (e) { /* no referrer */ }
    return "*";
  }
  var target = parentOrigin();

  // The content's own height: the <html> box, not documentElement.scrollHeight, which is at
  // least the frame's height and so could never let the frame shrink (after a submit, when a
  // conditional question hides again, or when a wider window reflows the text).
  var sent = -1;
  function report() {
    var height = Math.ceil(Math.max(root.getBoundingClientRect().height, document.body ? document.body.scrollHeight : 0));
    if (height === sent || !height) return;
    sent = height;
    window.parent.postMessage({ type: "portal:resize", height: height }, target);
  }

  // A ResizeObserver sees every change of the content's size: a new width, errors shown
  // after a submit, a conditional question appearing, a font or image arriving.
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(report);
    observer.observe(root);
    if (document.body) observer.observe(document.body);
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  // The embedding page's script may load after us (it is async): it asks, we answer.
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "portal:hello") {
      sent = -1;
      report();
    }
  });
  report();
})();
