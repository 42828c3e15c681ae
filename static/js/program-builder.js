// The program builder, enhanced: searchable pickers, add/remove band rows, and only the
// sections of the chosen kind. Without this script every section shows, pickers are plain
// multi-selects and blank band rows wait below the filled ones.
(function () {
  "use strict";

  var form = document.getElementById("program-builder");
  if (!form) { return; }

  if (window.TomSelect) {
    form.querySelectorAll("select[data-picker]").forEach(function (select) {
      var picker = new window.TomSelect(select, {
        plugins: ["remove_button"],
        maxOptions: null,
        placeholder: select.dataset.placeholder || "",
        hidePlaceholder: true
      });
      // left within the refresh pause, the picker would reopen and take the focus back
      // (multiselect.js explains): its pending refresh goes with the focus
      picker.control_input.addEventListener("blur", function () {
        window.clearTimeout(picker.refreshTimeout);
        picker.refreshTimeout = null;
      });
    });
  }

  var kind = form.querySelector("select[name=kind]");
  var measure = form.querySelector("select[name=measure]");
  function showKind() {
    form.querySelectorAll("[data-kinds]").forEach(function (part) {
      var shown = part.dataset.kinds.split(" ").indexOf(kind.value) >= 0;
      part.classList.toggle("d-none", !shown);
    });
  }
  function showMeasure() {
    form.querySelectorAll("[data-measure]").forEach(function (label) {
      label.classList.toggle("d-none", label.dataset.measure !== measure.value);
    });
    form.querySelectorAll("[data-measure-separator]").forEach(function (separator) {
      separator.classList.add("d-none");
    });
  }
  if (kind) { kind.addEventListener("change", showKind); showKind(); }
  if (measure) { measure.addEventListener("change", showMeasure); showMeasure(); }

  var table = form.querySelector("table[data-bands]");
  if (!table) { return; }
  var body = table.querySelector("tbody");
  var add = form.querySelector("[data-add-band]");

  function rows() { return body.querySelectorAll("tr[data-band-row]"); }
  function blank(row) {
    return Array.prototype.every.call(row.querySelectorAll("input"), function (input) {
      return input.value.trim() === "";
    });
  }
  function nextIndex() {
    var highest = -1;
    body.querySelectorAll("input[name^='bands-']").forEach(function (input) {
      highest = Math.max(highest, Number(input.name.split("-")[1]));
    });
    return highest + 1;
  }
  function wire(row) {
    var remove = row.querySelector("[data-remove-band]");
    remove.classList.remove("d-none");
    remove.addEventListener("click", function () {
      if (rows().length > 1) { row.remove(); } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
    });
  }
  function addRow() {
    var template = rows()[rows().length - 1];
    var row = template.cloneNode(true);
    var index = nextIndex();
    row.querySelectorAll("input").forEach(function (input) {
      var name = input.name.replace(/^bands-\d+-/, "bands-" + index + "-");
      input.name = name;
      input.id = name;
      input.value = "";
      input.classList.remove("is-invalid");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (error) { error.remove(); });
    body.appendChild(row);
    wire(row);
    row.querySelector("input").focus();
  }

  // With the script, one blank row at the end is enough: "Add band" makes more.
  var all = rows();
  for (var i = all.length - 1; i > 0 && blank(all[i]) && blank(all[i - 1]); i--) { all[i].remove(); }
  rows().forEach(wire);
  add.classList.remove("d-none");
  add.addEventListener("click", addRow);
})();
