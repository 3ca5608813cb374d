/* Language switch of the HTML bundle: 中文 / English / 双语, remembered across pages.
   Loaded in <head> so the stored mode applies before the first paint; without
   this script no mode is set and the page shows both languages. */
(function () {
  "use strict";
  var KEY = "publish-lang";
  var MODES = ["zh", "en", "both"];

  function stored() {
    try {
      var mode = window.localStorage.getItem(KEY);
      return MODES.indexOf(mode) >= 0 ? mode : "both";
    } catch (err) {
      return "both"; /* storage disabled: the choice lasts for this page only */
    }
  }

  function apply(mode) {
    document.documentElement.setAttribute("data-mode", mode);
    var buttons = document.querySelectorAll(".lang-switch button[data-set-mode]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-set-mode") === mode));
    }
  }

  function choose(mode) {
    try {
      window.localStorage.setItem(KEY, mode);
    } catch (err) {
      /* storage disabled: apply anyway */
    }
    apply(mode);
  }

  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    var group = document.querySelector(".lang-switch");
    if (!group) {
      return;
    }
    group.hidden = false;
    group.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-set-mode]");
      if (button) {
        choose(button.getAttribute("data-set-mode"));
      }
    });
    apply(stored());
  });
  /* Another tab changed the mode: follow it. */
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(stored());
    }
  });
})();
