// The meeting-server admin form shows exactly the chosen backend's credential fields:
// choosing another backend loads the form for it, keeping the name, address and zone
// typed so far (never a secret: those are not put in an address).
document.addEventListener("DOMContentLoaded", () => {
  const backend = document.getElementById("id_backend");
  if (!backend) return;
  backend.addEventListener("change", () => {
    const url = new URL(window.location.href);
    for (const name of ["name", "backend", "base_url", "time_zone"]) {
      const field = document.getElementById("id_" + name);
      if (field) url.searchParams.set(name, field.value);
    }
    window.location.assign(url);
  });
});
