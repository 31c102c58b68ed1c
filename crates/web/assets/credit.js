// The credit page: while a district's credit is computed (a few seconds for thousands
// of firms), the form shows a moving bar and the seconds so far, and cannot be sent twice.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("compute-form");
  if (!form) return;
  form.addEventListener("submit", () => {
    const button = form.querySelector("button");
    const progress = document.getElementById("compute-progress");
    const elapsed = document.getElementById("compute-elapsed");
    if (button) button.disabled = true;
    if (!progress) return;
    progress.hidden = false;
    const started = Date.now();
    setInterval(() => {
      elapsed.textContent = ((Date.now() - started) / 1000).toFixed(1) + " s";
    }, 100);
  });
});
