// The evaluation report panel's page: its view type, title, root element and bundle (webviewHtml builds the HTML).
import type { WebviewPage } from '../webviewHtml';

/** View type of the panel. */
export const EVAL_VIEW_TYPE = 'promptTuner.evalReport';
/** The panel's title, as the e2e test looks for it. */
export const EVAL_PANEL_TITLE = 'Evaluation Report';

export const EVAL_PAGE: WebviewPage = {
  viewType: EVAL_VIEW_TYPE,
  title: EVAL_PANEL_TITLE,
  element: 'eval-app',
  bundle: 'eval',
};
