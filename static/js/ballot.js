// The budget ballot's running total, kept up to date as choices change. Without JavaScript the
// "Update the total" button asks the server for the same figures; the server checks every ballot anyway.
// The words come from the page (translated there), in data-label-* attributes of the total.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot");
  var total = document.getElementById("running-total");
  if (!form || !total) { return; }
  var budget = parseFloat(form.dataset.budget);
  var style = form.dataset.style;
  var label = total.dataset;
  var number = new Intl.NumberFormat(document.documentElement.lang || "en");
  function update() {
    var p = document.createElement("p");
    if (style === "cumulative") {
      var given = 0;
      form.querySelectorAll("input[type=number]").forEach(function (input) {
        var v = parseInt(input.value, 10);
        if (v > 0) { given += v; }
      });
      p.textContent = label.labelPoints + " " + given + " / " + label.pointsTotal;
    } else {
      var chosen = 0, cost = 0;
      form.querySelectorAll("input[type=checkbox][name=project]").forEach(function (box) {
        if (box.checked) { chosen += 1; cost += parseFloat(box.dataset.cost); }
      });
      var left = budget - cost;
      p.textContent = label.labelChosen + " " + chosen + " · " + label.labelCost + " " + number.format(cost) + " · " +
        (left >= 0 ? label.labelLeft + " " + number.format(left) : label.labelOver + " " + number.format(-left));
    }
    total.replaceChildren(p);
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
}());
