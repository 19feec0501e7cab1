// The tuning panel's page: its view type, title, root element and bundle (webviewHtml builds the HTML).
import type { WebviewPage } from '../webviewHtml';

/** View type of the panel; also the serializer id (`onWebviewPanel:promptTuner.tuning` in package.json). */
export const TUNING_VIEW_TYPE = 'promptTuner.tuning';
/** The panel's title, as the e2e test looks for it. */
export const TUNING_PANEL_TITLE = 'Prompt Tuning';

export const TUNING_PAGE: WebviewPage = {
  viewType: TUNING_VIEW_TYPE,
  title: TUNING_PANEL_TITLE,
  element: 'tuning-app',
  bundle: 'tuning',
};
