// Accessibility repairs to the Django admin's own scripts, run after them.
"use strict";

window.addEventListener("load", () => {
  // After every other load handler: the two-list selector (SelectFilter2) builds its
  // widgets on load.
  window.setTimeout(() => {
    // The selector's search icon is a <span> named by aria-label: a name is not allowed on
    // an element without a role, so screen readers skip it. It is an image of a magnifier.
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach((icon) => {
      icon.setAttribute("role", "img");
    });
  }, 0);
});
