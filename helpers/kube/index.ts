// The one seam to @kubernetes/client-node: kubeconfig loading (config.ts), the
// typed calls the tool makes (client.ts), the translation of API failures into one-paragraph
// errors a user can act on (errors.ts), API throttling (throttle.ts) and when credentials are
// read again (credentials.ts, no client library: the suite workers use it too); exec goes over the
// pod-proxy transport's WebSocket (helpers/http.ts, undici). Nothing else imports the client library; other modules use the types
// re-exported here.
export type {
  V1Pod as Pod,
  V1Node as Node,
  V1Service as Service,
  V1Namespace as Namespace,
  V1EndpointSlice as EndpointSlice,
  V1ConfigMap as ConfigMap,
  V1DaemonSet as DaemonSet,
} from '@kubernetes/client-node';
export { Kube } from './client.ts';
export type { LeaseInfo } from './lease.ts';
export { endpointAddresses } from './endpoints.ts';
export { loadKubeConfig, type ControlTransport, type KubeAccess, type KubeTarget } from './config.ts';
export { statusOf, translateApiError, type CallSite } from './errors.ts';
export type { ThrottleCounter } from './throttle.ts';
