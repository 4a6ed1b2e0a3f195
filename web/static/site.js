// Disclosure buttons for narrow screens: the main menu and the search filters. Each button says
// whether its panel is open (aria-expanded) and names it (aria-controls); the panel shows while
// its container carries the class "open" (site.css hides it on phones only, and only when this
// script runs: <html class="js">). Escape closes the panel and puts the focus back on its button.
(function () {
  function disclosure(button, container) {
    if (!button || !container) return null;
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      container.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    (panel || container).addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true" && button.offsetParent !== null) {
        set(false);
        button.focus();
      }
    });
    button.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") set(false);
    });
    return set;
  }

  disclosure(document.querySelector(".nav-toggle"), document.querySelector(".site-header"));
  var openFilters = disclosure(document.querySelector(".filters-toggle"), document.querySelector(".layout"));
  // a link to #filters (from the no-script fallback, or shared) opens them
  if (openFilters && window.location.hash === "#filters") openFilters(true);
})();
