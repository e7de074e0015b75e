// Sortable tables (click a header of a table.sortable), and filters that apply as soon as they
// change (a select[data-submits] submits its form; the server filters). The order is kept
// across live refreshes of the table.
(() => {
  const state = { column: null, direction: 'asc' };

  function value(cell) {
    const raw = cell.dataset.sort ?? cell.textContent.trim();
    const number = Number(raw);
    return raw !== '' && !Number.isNaN(number) ? number : raw.toLowerCase();
  }

  function apply(table) {
    const body = table.tBodies[0];
    if (!body) return;
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th) => th.removeAttribute('data-sorted'));
    if (state.column !== null && headers[state.column]) {
      headers[state.column].dataset.sorted = state.direction;
      const sign = state.direction === 'asc' ? 1 : -1;
      const rows = [...body.rows].sort((a, b) => {
        const x = value(a.cells[state.column]);
        const y = value(b.cells[state.column]);
        if (x === y) return 0;
        if (x === '') return 1;
        if (y === '') return -1;
        return x < y ? -sign : sign;
      });
      body.append(...rows);
    }
  }

  function wire() {
    for (const table of document.querySelectorAll('table.sortable')) {
      [...table.tHead.rows[0].cells].forEach((th, i) => {
        th.dataset.sortable = '';
        th.onclick = () => {
          state.direction = state.column === i && state.direction === 'asc' ? 'desc' : 'asc';
          state.column = i;
          apply(table);
        };
      });
      apply(table);
    }
    for (const select of document.querySelectorAll('select[data-submits]')) {
      select.onchange = () => select.form.requestSubmit();
    }
  }

  document.addEventListener('DOMContentLoaded', wire);
  document.addEventListener('dashboard:updated', wire);
})();
