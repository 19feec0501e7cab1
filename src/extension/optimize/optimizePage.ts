// The optimization panel's page: its view type, title, root element and bundle (webviewHtml builds the HTML).
import type { WebviewPage } from '../webviewHtml';

/** View type of the panel; also the serializer id (`onWebviewPanel:promptTuner.optimize` in package.json). */
export const OPTIMIZE_VIEW_TYPE = 'promptTuner.optimize';
/** The panel's title, as the e2e test looks for it. */
export const OPTIMIZE_PANEL_TITLE = 'Prompt Optimization';

export const OPTIMIZE_PAGE: WebviewPage = {
  viewType: OPTIMIZE_VIEW_TYPE,
  title: OPTIMIZE_PANEL_TITLE,
  element: 'optimize-app',
  bundle: 'optimize',
};
