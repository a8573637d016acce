// Addons: the interface, the catalog and what the mechanism needs of them.
export * from './addon.js'
export {CATALOG, addonNames, findAddons, unknownAddon} from './catalog.js'
export {addonLabels, fillTemplate, imageManifestObjects, labelledObjects, kubectlKind, optionPlaceholder, renderObjects, templateKinds, templatePath, templateValues, toYamlStream, type KubeObject} from './render.js'
export {parseOptionText, resolveOptions} from './options.js'
export {conditionProblem, podProblems, rolloutProblem} from './readiness.js'
