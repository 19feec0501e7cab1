// Entry of dist/webview/eval.js: registers the components, adopts the styles, connects to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { connectToHost } from '../shared/vscodeApi';
import { EvalApp, isViewState } from './evalApp';
import { panelStyles } from './styles';

// A constructed stylesheet needs no 'unsafe-inline' in the CSP.
if (panelStyles.styleSheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, panelStyles.styleSheet];

const app = document.querySelector('eval-app') ?? document.body.appendChild(document.createElement('eval-app'));
if (app instanceof EvalApp) app.connect(connectToHost(isViewState));
