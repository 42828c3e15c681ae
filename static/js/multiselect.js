// Searchable selects, as progressive enhancement: any <select data-searchable> (a multiple
// select becomes a list of removable chips, a single one a select you can type into). Without
// this script, or before it loads, the native select works as it is.
// The library (tom-select, from static/node_modules) is loaded only on pages that need it; its
// address and the texts come from this script's data attributes, set by the base template.
(function () {
  "use strict";

  var self = document.currentScript;
  var selects = document.querySelectorAll("select[data-searchable]");
  if (!selects.length || !self) { return; }

  function upgrade() {
    selects.forEach(function (select) {
      if (select.tomselect) { return; }
      var multiple = select.multiple;
      var noResults = select.dataset.noResults || self.dataset.noResults || "";
      var placeholder = select.dataset.placeholder || self.dataset.placeholder || "";
      var picker = new window.TomSelect(select, {
        placeholder: placeholder,
        plugins: multiple ? ["remove_button", "checkbox_options"] : [],
        maxOptions: null,
        hidePlaceholder: !multiple,
        closeAfterSelect: !multiple,
        render: {
          no_results: function (data, escape) {
            return '<div class="no-results">' + escape(noResults) + "</div>";
          }
        }
      });
      keepFocusOnLeaving(picker);
    });
  }

  // The picker filters its options a moment after the last key (tom-select's refresh pause),
  // and that refresh opens the dropdown, which focuses the picker: whoever typed a search and
  // went on to the next field within the pause had their next keys land in the picker. Once
  // the picker has lost the focus, its pending refresh is dropped (focusing it again refreshes).
  function keepFocusOnLeaving(picker) {
    picker.control_input.addEventListener("blur", function () {
      window.clearTimeout(picker.refreshTimeout);
      picker.refreshTimeout = null;
    });
  }

  if (window.TomSelect) { upgrade(); return; }
  var sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = self.dataset.stylesheet;
  document.head.appendChild(sheet);
  var library = document.createElement("script");
  library.src = self.dataset.library;
  library.addEventListener("load", upgrade);
  document.head.appendChild(library);
})();
