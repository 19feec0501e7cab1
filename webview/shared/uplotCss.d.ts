// uPlot's stylesheet as text (esbuild's `with { type: 'text' }`), so the chart element adopts it as a constructed
// stylesheet: allowed by the panels' CSP (no 'unsafe-inline'), and no extra <link> in the page the host builds.
declare module 'uplot/dist/uPlot.min.css' {
  const text: string;
  export default text;
}
