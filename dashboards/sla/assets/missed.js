/* Escape closes the panel of what missed a target (the close button does the rest). */
document.addEventListener("keydown", function (event) {
  var panel = document.getElementById("missed-panel");
  if (event.key === "Escape" && panel && !panel.hidden) {
    document.getElementById("missed-close").click();
  }
});
