import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_LABEL, RECEIVER_NAME } from './constants.js';
import type { JsonObject } from './patch.js';
import { parseQuantity } from './quantity.js';

/** Label of the objects of one `recv --in-cluster` run. */
export const RUN_LABEL = 'logtap.dev/run';
/** Annotation with the time the run's TTL ends (RFC3339). */
export const EXPIRES_ANNOTATION = 'logtap.dev/expires';
/** Port the in-cluster receiver listens on (the Service exposes the same). */
export const RECEIVER_PORT = 3100;
/** Where the capture lives in the receiver pod (an emptyDir). */
export const RECEIVER_CAPTURE_DIR = '/data/capture';
/** The container kept running beside the receiver so that the capture can be copied after it stopped. */
export const CAPTURE_CONTAINER = 'capture';
export const RECEIVER_CONTAINER = 'receiver';
/** Extra time the pod may live past the TTL, for the graceful stop and the copy back. */
export const COPY_BACK_MARGIN_SECONDS = 600;

/** The receiver image published with a logtap version (see docs/forwarder.md, "Images"). */
export function defaultReceiverImage(version: string): string {
  return `ghcr.io/logtap/logtap:${version}`;
}

/** What the receiver pod and service are made of. */
export interface ReceiverSpec {
  namespace: string;
  /** Pod and Service name (default `logtap-receiver`). */
  name?: string;
  image: string;
  /** The run id (labels `logtap.dev/run`). */
  run: string;
  /** `logtap recv` flags for the pod beyond listen/dir/headless (e.g. `--max-disk`, `--redact`). */
  recvArgs?: readonly string[];
  /** The pod's capture cap (`--max-disk`), for the emptyDir size limit. */
  maxDiskBytes: number;
  /** The run ends at `now + ttlSeconds`; the pod's activeDeadlineSeconds adds the copy-back margin. */
  ttlSeconds: number;
  now: Date;
  /** Receiver container resources (defaults: requests 250m / 256Mi, limit 1Gi memory). */
  cpu?: string;
  memory?: string;
  memoryLimit?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Passed as LOGTAP_AUTH_TOKEN (the receiver then requires it from pushers). */
  authToken?: string | undefined;
  /**
   * Passed as LOGTAP_LIVE_TOKEN: the receiver then serves GET /logtap/v1/live (stats, top talkers, newest
   * lines) to clients with it, which is what the local live view polls through the port-forward.
   */
  liveToken?: string | undefined;
}

function labels(spec: ReceiverSpec): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [NAME_LABEL]: RECEIVER_NAME, [RUN_LABEL]: spec.run };
}

const restricted = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** emptyDir limit: the capture cap plus room for the active file, the index and audit log (10% + 256 MiB). */
export function captureVolumeLimit(maxDiskBytes: number): string {
  const mib = Math.ceil((maxDiskBytes * 1.1) / 1048576) + 256;
  return `${mib}Mi`;
}

/** The namespace, created only when it does not exist (and then deleted with the run). */
export function receiverNamespaceManifest(spec: ReceiverSpec): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: spec.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_LABEL]: spec.run },
    },
  };
}

/**
 * The receiver Pod. A bare Pod, not a Deployment: `activeDeadlineSeconds` makes the cluster end it at the
 * TTL even if the CLI that started it was killed (a Deployment's pods may not have a deadline), and
 * `restartPolicy: OnFailure` restarts a crashed receiver (the emptyDir, and so the capture, survive) but
 * not the one stopped on purpose before the copy back. The second container only keeps the volume
 * reachable once the receiver has exited, for `tar`.
 */
export function receiverPodManifest(spec: ReceiverSpec): JsonObject {
  const name = spec.name ?? RECEIVER_NAME;
  const memoryLimit = spec.memoryLimit ?? '1Gi';
  parseQuantity(memoryLimit, '--receiver-memory-limit');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: spec.namespace,
      labels: labels(spec),
      annotations: {
        [EXPIRES_ANNOTATION]: new Date(spec.now.getTime() + spec.ttlSeconds * 1000).toISOString(),
      },
    },
    spec: {
      restartPolicy: 'OnFailure',
      activeDeadlineSeconds: spec.ttlSeconds + COPY_BACK_MARGIN_SECONDS,
      terminationGracePeriodSeconds: 30,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: RECEIVER_CONTAINER,
          image: spec.image,
          imagePullPolicy: spec.imagePullPolicy ?? 'IfNotPresent',
          args: [
            'recv',
            '--headless',
            '--listen',
            `0.0.0.0:${RECEIVER_PORT}`,
            '--dir',
            RECEIVER_CAPTURE_DIR,
            ...(spec.recvArgs ?? []),
          ],
          env: [
            { name: 'HOME', value: '/data' },
            ...(spec.authToken ? [{ name: 'LOGTAP_AUTH_TOKEN', value: spec.authToken }] : []),
            ...(spec.liveToken ? [{ name: 'LOGTAP_LIVE_TOKEN', value: spec.liveToken }] : []),
          ],
          ports: [{ name: 'push', containerPort: RECEIVER_PORT, protocol: 'TCP' }],
          // /healthz for both: with one replica, taking the endpoint away while the receiver sheds load
          // would turn its 429 + Retry-After into connection errors for every forwarder.
          readinessProbe: {
            httpGet: { path: '/healthz', port: 'push' },
            periodSeconds: 2,
            failureThreshold: 3,
            timeoutSeconds: 2,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'push' },
            initialDelaySeconds: 10,
            periodSeconds: 10,
            failureThreshold: 6,
            timeoutSeconds: 5,
          },
          resources: {
            requests: { cpu: spec.cpu ?? '250m', memory: spec.memory ?? '256Mi' },
            limits: { memory: memoryLimit },
          },
          securityContext: restricted,
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
        {
          name: CAPTURE_CONTAINER,
          image: spec.image,
          imagePullPolicy: spec.imagePullPolicy ?? 'IfNotPresent',
          command: ['sleep', 'infinity'],
          resources: { requests: { cpu: '5m', memory: '8Mi' }, limits: { memory: '64Mi' } },
          securityContext: restricted,
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
        },
      ],
      volumes: [
        { name: 'data', emptyDir: { sizeLimit: captureVolumeLimit(spec.maxDiskBytes) } },
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ],
    },
  };
}

/** The Service forwarders push to: `http://<name>.<namespace>.svc:3100`. */
export function receiverServiceManifest(spec: ReceiverSpec): JsonObject {
  const name = spec.name ?? RECEIVER_NAME;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: spec.namespace, labels: labels(spec) },
    spec: {
      selector: { [NAME_LABEL]: RECEIVER_NAME, [RUN_LABEL]: spec.run },
      ports: [{ name: 'push', port: RECEIVER_PORT, targetPort: 'push', protocol: 'TCP' }],
    },
  };
}
