// Addons: the interface, the catalog and what the mechanism needs of them.
export * from './addon.js'
export {CATALOG, addonNames, findAddons, unknownAddon} from './catalog.js'
export {addonLabels, fillTemplate, imageManifestObjects, kubectlKind, labelledObjects, optionPlaceholder, renderObjects, templateKinds, templatePath, templateResources, templateValues, toYamlStream, type KubeObject} from './render.js'
export {parseOptionText, reachableAddress, resolveOptions} from './options.js'
export {conditionProblem, podProblems, rolloutProblem} from './readiness.js'
