// String building: concatenation, number-to-string, charCodeAt, split and join.
function benchRun() {
  var hash = 0;
  for (var round = 0; round < 20; round++) {
    var s = '';
    for (var i = 0; i < 5000; i++) {
      s += 'item' + i + (i % 3 === 0 ? ';' : ',');
    }
    for (var k = 0; k < s.length; k += 7) {
      hash = (hash * 31 + s.charCodeAt(k)) | 0;
    }
    var parts = s.split(';');
    var joined = parts.join('|');
    hash = (hash + parts.length + joined.length) | 0;
  }
  return hash;
}
