// Entry of dist/webview/tuning.js: registers the components, adopts the styles, connects to the host.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { panelStyles } from './styles';
import { isViewState, TuningApp } from './tuningApp';
import { connectToHost } from '../shared/vscodeApi';

// A constructed stylesheet needs no 'unsafe-inline' in the CSP.
if (panelStyles.styleSheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, panelStyles.styleSheet];

const app = document.querySelector('tuning-app') ?? document.body.appendChild(document.createElement('tuning-app'));
if (app instanceof TuningApp) app.connect(connectToHost(isViewState));
