// The inline stylesheet and script of reports/report.html (helpers/report/html.ts): the page is
// one self-contained file, so they are strings written into it.

export const CSS = `
:root{--pass:#2e9d4f;--fail:#d3332f;--error:#e8a317;--skip:#9aa0a6;--none:#f1f3f4;--fg:#1f2328;--muted:#59636e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0 auto;padding:0 20px 40px;max-width:1600px}
h1{font-size:20px;margin:0}h2{font-size:16px;margin:24px 0 8px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.verdict{padding:14px 18px;margin:16px 0;border-radius:6px;color:#fff}
.verdict p{margin:4px 0 0;opacity:.9}.verdict code{color:#fff}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}.verdict.error{background:#b07800}
#causes{border-left:4px solid var(--fail);padding:2px 14px;background:#fff5f5}
#causes li{margin:4px 0}
table.counts,table.phases{border-collapse:collapse}
.counts th,.counts td,.phases th,.phases td{padding:3px 10px;border-bottom:1px solid #e5e7eb;text-align:right}
.counts th[scope=row],.phases th{text-align:left}
.bad{color:var(--fail);font-weight:600}.warn{color:#a86b00;font-weight:600}.ok{color:var(--pass)}
.legend{color:var(--muted)}.legend span{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:12px;height:12px;margin:0 4px -2px 0;border-radius:2px}
figure.heatmap{margin:12px 0 24px}figcaption{font-weight:600;margin-bottom:6px}
.scroll{overflow:auto;max-height:90vh;border:1px solid #e5e7eb;border-radius:4px;display:inline-block;max-width:100%}
table.heat{border-collapse:separate;border-spacing:1px}
table.heat th{font-weight:500;font-size:11px;color:var(--muted);background:#fff;white-space:nowrap}
table.heat thead th{position:sticky;top:0;z-index:1;vertical-align:bottom}
table.heat tbody th{position:sticky;left:0;z-index:1;text-align:right;padding-right:6px}
table.heat th.corner{left:0;z-index:2;text-align:left}
table.heat td{padding:0;border-radius:2px}
table.heat.text td{font-size:12px;min-width:56px;height:24px;text-align:center;color:#fff}
table.heat.text td.none{color:#999}
table.heat.compact td{width:9px;min-width:9px;height:9px}
table.heat.compact thead th{padding:0;line-height:9px;max-width:9px}
table.heat.compact thead th span{writing-mode:vertical-rl;transform:rotate(180deg);display:inline-block;max-height:140px;overflow:hidden;text-overflow:ellipsis;font-size:9px;line-height:9px}
table.heat.compact td.pass{background:#7cc68f}
table.heat.compact tbody th{font-size:10px;line-height:9px}
td.pass,i.pass{background:var(--pass)}td.fail,i.fail{background:var(--fail)}
td.error,i.error{background:repeating-linear-gradient(135deg,var(--error) 0 3px,#f6d27a 3px 6px)}
td.skipped,i.skipped{background:var(--skip)}td.none,i.none{background:var(--none)}
td[data-cell]{cursor:pointer}td:hover,td:focus{outline:2px solid #111;outline-offset:-1px}
tr.hl th,th.hl{color:#000;background:#fff3b0}
.cell-rows{margin:4px 0}.cell-rows ul{margin:4px 0 8px;padding-left:20px}.cell-rows li{margin:3px 0}
.cell-rows:target{outline:2px solid #111}
.sub{color:var(--muted);font-size:12px;margin-left:18px}.sub.cause{color:#8a1f1c}
.phases td.bar{width:320px;text-align:left}.phases td.bar span{display:block;height:10px;background:#6b8fd6;border-radius:2px}
.counters{color:var(--muted);font-size:12px}
#panel{position:fixed;right:12px;top:12px;bottom:12px;width:min(560px,45vw);overflow:auto;background:#fff;border:1px solid #c9ced6;border-radius:6px;box-shadow:0 6px 24px rgba(0,0,0,.18);padding:12px 16px;z-index:5}
#panel-close{float:right;border:0;background:none;font-size:20px;cursor:pointer}
#tip{position:fixed;pointer-events:none;background:#1f2328;color:#fff;font-size:12px;padding:3px 7px;border-radius:4px;z-index:6;white-space:nowrap}
`;

// Plain ES2017 for any browser; reads only the DOM this file wrote. Hover a cell: its counts in a
// tooltip and its row and column highlighted. Click a not-passing cell (or Enter on it): the
// panel shows that cell's rows (the <details> group listed below the maps). `#cell-…` in the URL
// opens a cell's panel on load, so a link can point at one broken pair.
export const SCRIPT = `
(function(){
  var tip=document.getElementById('tip'),panel=document.getElementById('panel'),body=document.getElementById('panel-body');
  function where(td){var tr=td.parentNode,table=tr.closest('table');
    return {table:table,tr:tr,from:tr.querySelector('th').textContent,to:table.tHead.rows[0].cells[td.cellIndex].textContent};}
  var lit=[];
  function unlight(){lit.forEach(function(e){e.classList.remove('hl')});lit=[];}
  function light(w,td){unlight();lit=[w.tr,w.table.tHead.rows[0].cells[td.cellIndex]];lit.forEach(function(e){e.classList.add('hl')});}
  function open(id){var group=document.getElementById(id);if(!group)return false;
    body.innerHTML='';var copy=group.cloneNode(true);copy.removeAttribute('id');copy.open=true;body.appendChild(copy);panel.hidden=false;return true;}
  document.querySelectorAll('table.heat').forEach(function(table){
    table.addEventListener('mouseover',function(e){var td=e.target.closest('td');if(!td||td.classList.contains('none')){tip.hidden=true;unlight();return;}
      var w=where(td);light(w,td);tip.textContent=w.from+' \\u2192 '+w.to+': '+td.getAttribute('data-n')+' passed'+(td.dataset.cell?' \\u2014 click for the failing rows':'');tip.hidden=false;});
    table.addEventListener('mousemove',function(e){tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px';});
    table.addEventListener('mouseleave',function(){tip.hidden=true;unlight();});
    function pick(e){var td=e.target.closest('td[data-cell]');if(td&&open(td.dataset.cell)){panel.dataset.cell=td.dataset.cell;e.preventDefault();}}
    table.addEventListener('click',pick);
    table.addEventListener('keydown',function(e){if(e.key==='Enter')pick(e);});
  });
  document.getElementById('panel-close').addEventListener('click',function(){panel.hidden=true;});
  if(location.hash.indexOf('#cell-')===0&&open(location.hash.slice(1)))panel.dataset.cell=location.hash.slice(1);
  document.documentElement.dataset.ready='1';
})();
`;
