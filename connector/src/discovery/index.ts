/** Discovery: plugins that find resources, and the reconciler that keeps the connector's sockets in line. */
export {
  AwsEc2Plugin,
  type AwsEc2Settings,
  parseAwsEc2Settings,
  resourceOfInstance,
} from './aws-ec2-plugin.js';
export {
  DISCOVERY_TAG,
  type DiscoveredResource,
  type DiscoveryPlugin,
  type DiscoveryStatus,
} from './discovery-plugin.js';
export {
  type ConfiguredPlugin,
  DiscoveryRunner,
  type DiscoveryRunnerOptions,
  planDiscovery,
  runPlugins,
} from './discovery-runner.js';
export {
  DEFAULT_DOCKER_SOCKET,
  DockerPlugin,
  type DockerSettings,
  parseDockerSettings,
  resourceOfContainer,
} from './docker-plugin.js';
export {
  KubernetesPlugin,
  type KubernetesSettings,
  parseKubernetesSettings,
  resourceOfPod,
  resourceOfService,
} from './kubernetes-plugin.js';
export { labelledResource, type UpstreamSettings } from './labelled-resource.js';
export { NetworkPlugin, type NetworkSettings, parseNetworkSettings } from './network-plugin.js';
export { configuredPlugins } from './plugin-config.js';
export { applySettings, type CommonSettings, globToRegExp, socketName } from './resource-filter.js';
export { classifyService, type ServiceKind } from './service-classifier.js';
export {
  applyChanges,
  type ChangeKind,
  ownedSockets,
  type PlannedChange,
  planChanges,
} from './socket-reconciler.js';
