// After a failed submit, a form's error summary (#error-summary, tabindex=-1) takes the focus:
// a screen reader reads it out, and Tab goes on to its links to the fields. Dashboard and
// public forms alike.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
