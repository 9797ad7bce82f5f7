// Linked-object traversal: property reads along a 10 000-node list, 300 times (3 M steps).
function Node(value, next) {
  this.value = value;
  this.next = next;
}

function buildList(n) {
  var head = null;
  for (var i = 0; i < n; i++) {
    head = new Node(i % 97, head);
  }
  return head;
}

function benchRun() {
  var head = buildList(10000);
  var total = 0;
  for (var pass = 0; pass < 300; pass++) {
    for (var node = head; node !== null; node = node.next) {
      total += node.value;
    }
  }
  return total;
}
