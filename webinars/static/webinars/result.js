// The outcome of a registration: read out first by screen readers.
document.getElementById("result").focus();
