// Entry of dist/webview/optimize.js: registers the components, adopts the styles, connects to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import { connectToHost } from '../shared/vscodeApi';
import { isViewState, OptimizeApp } from './optimizeApp';
import { panelStyles } from './styles';

// A constructed stylesheet needs no 'unsafe-inline' in the CSP.
if (panelStyles.styleSheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, panelStyles.styleSheet];

const app = document.querySelector('optimize-app') ?? document.body.appendChild(document.createElement('optimize-app'));
if (app instanceof OptimizeApp) app.connect(connectToHost(isViewState));
