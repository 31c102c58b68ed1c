// The hall's board: draws the data the page carries, then follows server-sent events.
(function () {
  var source = document.getElementById('board-data');
  if (!source) return;
  function text(tag, content, cls) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (cls) el.className = cls;
    return el;
  }
  function draw(data) {
    var judges = document.getElementById('board-judges');
    judges.replaceChildren();
    (data.judges || []).forEach(function (j) {
      judges.appendChild(text('li', (j.submitted ? '✔ ' : '… ') + j.name + (j.submitted ? '（已提交）' : '（已评 ' + j.scored + ' 项）'), j.submitted ? 'good' : ''));
    });
    var ranking = document.getElementById('board-ranking');
    ranking.replaceChildren();
    document.getElementById('board-wait').hidden = !!data.released;
    (data.ranking || []).forEach(function (r) {
      ranking.appendChild(text('li', r.office + '　' + r.score + ' 分　' + r.band));
    });
    var comments = document.getElementById('board-comments');
    comments.replaceChildren();
    (data.comments || []).forEach(function (c) {
      comments.appendChild(text('li', c.leader + ' 点评 ' + c.office + c.project + '：' + c.body));
    });
    if (!(data.comments || []).length) comments.appendChild(text('li', '尚无点评', 'muted'));
  }
  draw(JSON.parse(source.textContent));
  if (window.EventSource) {
    var events = new EventSource(source.getAttribute('data-events'));
    events.addEventListener('board', function (e) { draw(JSON.parse(e.data)); });
  }
})();
