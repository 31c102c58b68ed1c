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
      judges.appendChild(text('li', (j.submitted ? '✔ ' : '… ') + j.name + (j.submitted ? '　已提交' : '　已评 ' + j.scored + ' 项'), j.submitted ? 'good' : ''));
    });
    if (!(data.judges || []).length) judges.appendChild(text('li', data.needs_judges ? '尚未邀请评委' : '按台账积分评比，无需评委', 'muted'));
    document.getElementById('board-progress').textContent =
      (data.needs_judges ? data.progress : '') + (data.released ? '　已发布' + (data.version > 1 ? '（更正第' + data.version + '版）' : '') : '');
    var ranking = document.getElementById('board-ranking');
    ranking.replaceChildren();
    document.getElementById('board-wait').hidden = !!data.released;
    var group = null;
    (data.ranking || []).forEach(function (r) {
      if (data.grouped && r.group !== group) {
        group = r.group;
        ranking.appendChild(text('li', group || '未分组', 'board-group'));
      }
      var change = r.change > 0 ? '　↑' + r.change : (r.change < 0 ? '　↓' + (-r.change) : '');
      ranking.appendChild(text('li', '第' + r.rank + '名　' + r.office + '　' + r.score + ' 分　' + r.band + change));
    });
    var improved = (data.improved || []).map(function (i) { return i[0] + ' 前进' + i[1] + '位'; });
    document.getElementById('board-improved').textContent = improved.length ? '争先进位：' + improved.join('；') : '';
    var top = document.getElementById('board-top');
    top.replaceChildren();
    (data.top || []).slice(0, 5).forEach(function (s) {
      top.appendChild(text('li', s.project + '（' + s.office + '）' + s.score + ' 分'));
    });
    if (!(data.top || []).length) top.appendChild(text('li', data.released ? '暂无' : '发布后显示', 'muted'));
    var comments = document.getElementById('board-comments');
    comments.replaceChildren();
    (data.comments || []).forEach(function (c) {
      comments.appendChild(text('li', c.leader + ' 点评 ' + c.office + (c.project ? ' ' + c.project : '') + '：' + c.body));
    });
    if (!(data.comments || []).length) comments.appendChild(text('li', '尚无点评', 'muted'));
  }
  draw(JSON.parse(source.textContent));
  if (window.EventSource) {
    var events = new EventSource(source.getAttribute('data-events'));
    events.addEventListener('board', function (e) { draw(JSON.parse(e.data)); });
  }
})();
