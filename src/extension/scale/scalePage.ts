// The scale panel's page: its view type, title, root element and bundle (webviewHtml builds the HTML).
import type { WebviewPage } from '../webviewHtml';

/** View type of the panel; also the serializer id (`onWebviewPanel:promptTuner.scale` in package.json). */
export const SCALE_VIEW_TYPE = 'promptTuner.scale';
/** The panel's title, as the e2e test looks for it. */
export const SCALE_PANEL_TITLE = 'Scale Test';

export const SCALE_PAGE: WebviewPage = {
  viewType: SCALE_VIEW_TYPE,
  title: SCALE_PANEL_TITLE,
  element: 'scale-app',
  bundle: 'scale',
};
