// Entry of dist/webview/scale.js: registers the components, adopts the styles, connects to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { connectToHost } from '../shared/vscodeApi';
import { isViewState, ScaleApp } from './scaleApp';
import { panelStyles } from './styles';

// A constructed stylesheet needs no 'unsafe-inline' in the CSP.
if (panelStyles.styleSheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, panelStyles.styleSheet];

const app = document.querySelector('scale-app') ?? document.body.appendChild(document.createElement('scale-app'));
if (app instanceof ScaleApp) app.connect(connectToHost(isViewState));
