// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  function setBar(bar, percent) {
    bar.style.width = percent + "%";
    if (!("quiet" in bar.dataset)) { bar.textContent = percent + " %"; }
    bar.parentElement.setAttribute("aria-valuenow", String(percent));
  }

  document.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
    setBar(bar, Number(bar.dataset.percent));
  });

  document.querySelectorAll("[data-poll]").forEach(function (box) {
    var bar = box.querySelector(".progress-bar");
    var message = box.parentElement.querySelector("[data-progress-message]");
    function poll() {
      fetch(box.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          setBar(bar, s.percent);
          if (message && s.message) { message.textContent = s.message; }
          if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  });

  document.querySelectorAll("[data-toggle-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.querySelector(button.dataset.toggleTarget);
      var open = target.classList.toggle("show");
      button.setAttribute("aria-expanded", String(open));
    });
  });

  // Navigation menus: one open at a time; a click elsewhere or Escape closes them.
  var menus = document.querySelectorAll("details[data-nav-menu]");
  function closeMenus(except) {
    menus.forEach(function (menu) { if (menu !== except) { menu.removeAttribute("open"); } });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) { closeMenus(menu); } });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details[data-nav-menu]")) { closeMenus(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
  });

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
