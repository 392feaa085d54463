// The one script of the board: selecting words in an article's text fills in the quote of
// the "add a claim" form. Everything works without it.
document.addEventListener("DOMContentLoaded", function () {
  var text = document.getElementById("article-text");
  var quote = document.getElementById("c-quote");
  if (!text || !quote) return;
  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer)) return;
    var picked = sel.toString().trim();
    if (picked) quote.value = picked;
  });
});
