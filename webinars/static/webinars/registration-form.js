// The registration form: show conditional questions when they apply (portal/error-summary.js
// focuses its error summary).
(function () {
  "use strict";
  var form = document.getElementById("registration-form");
  if (!form) return;
  // Questions asked only for some answers: hidden (and their inputs disabled,
  // so they are neither submitted nor reachable by keyboard) until they apply.
  var dependents = form.querySelectorAll("[data-depends-on]");
  function answers(name) {
    var out = [];
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.disabled) continue;
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) out.push(input.type === "checkbox" && input.value === "on" ? "yes" : input.value);
      } else if (input.value) { out.push(input.value); }
    }
    if (!out.length && inputs.length === 1 && inputs[0].type === "checkbox" && !inputs[0].disabled) out.push("no");
    return out;
  }
  function update() {
    for (var i = 0; i < dependents.length; i++) {
      var block = dependents[i];
      var show = answers(block.getAttribute("data-depends-on")).indexOf(block.getAttribute("data-depends-value")) !== -1;
      block.hidden = !show;
      var inputs = block.querySelectorAll("input, textarea, select");
      for (var j = 0; j < inputs.length; j++) inputs[j].disabled = !show;
    }
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
