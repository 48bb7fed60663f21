// The meeting packs (docs/meetings.md): a button prints the pack; the
// print stylesheet (css/meetings.css) lays it out on A4.
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-print]');
  if (b) { e.preventDefault(); window.print(); }
});
