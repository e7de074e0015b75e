// Chart markers drawn on the server carry their series and data index (ECharts' SSR attributes);
// figure[data-points] lists, per series, each marker's trial page and hover text. This makes the
// markers links with a tooltip.
(() => {
  function wire() {
    for (const figure of document.querySelectorAll('figure[data-points]')) {
      const points = JSON.parse(figure.dataset.points);
      for (const mark of figure.querySelectorAll('[ecmeta_ssr_type="chart"][ecmeta_data_index]')) {
        const series = points[Number(mark.getAttribute('ecmeta_series_index'))];
        const point = series?.[Number(mark.getAttribute('ecmeta_data_index'))];
        if (!point || mark.dataset.wired) continue;
        mark.dataset.wired = '1';
        const [href, tip] = point;
        if (tip) {
          const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
          title.textContent = tip;
          mark.append(title);
        }
        if (href) {
          mark.dataset.href = href;
          mark.addEventListener('click', () => (location.href = href));
        }
      }
    }
  }
  document.addEventListener('DOMContentLoaded', wire);
  document.addEventListener('dashboard:updated', wire);
})();
