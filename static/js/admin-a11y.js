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

// A tabular inline's table scrolls sideways in its box on a narrow screen: the box takes
// keyboard focus so the table can be scrolled without a mouse, named by the inline's heading.
document.querySelectorAll(".inline-group .tabular fieldset[aria-labelledby] > .wrapper").forEach(
  (box) => {
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-labelledby", box.parentElement.getAttribute("aria-labelledby"));
  },
);

// An autocomplete field (select2) names its combobox by the chosen value only, and its
// search input not at all: both are named by the field's own label. select2 redraws the
// search input when the choice changes, so the names are given again after each redraw.
function nameAutocomplete(select) {
  const label = document.querySelector(`label[for="${select.id}"]`);
  const container = select.nextElementSibling;
  if (!label || !container || !container.classList.contains("select2")) return;
  if (!label.id) label.id = `${select.id}-label`;
  const parts = ".select2-selection, .select2-selection__rendered, .select2-search__field";
  const name = () => {
    container.querySelectorAll(parts).forEach((el) => {
      // The label first, then what named it before (the chosen value), if anything.
      const ids = (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (ids[0] !== label.id) {
        const others = ids.filter((id) => id !== label.id);
        el.setAttribute("aria-labelledby", [label.id, ...others].join(" "));
      }
    });
  };
  name();
  new MutationObserver(name).observe(container, { childList: true, subtree: true });
}

window.addEventListener("load", () => {
  // After Django's autocomplete script has turned the selects into select2 widgets.
  window.setTimeout(() => {
    document.querySelectorAll("select.admin-autocomplete[id]").forEach(nameAutocomplete);
  }, 0);
});
