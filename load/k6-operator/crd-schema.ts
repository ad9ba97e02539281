/**
 * Schemas for the manifests `phx-harness k6-operator` writes, from k6-operator's documented CRD
 * (grafana/k6-operator: api/v1alpha1/testrun_types.go, config/crd/bases/k6.io_testruns.yaml) and
 * the Kubernetes core types it embeds. The CRD is a structural schema: the API server prunes
 * fields it does not declare and `kubectl apply` (strict field validation) refuses them, so every
 * object here is strict. Kubernetes types that the harness never writes (affinity, probes…) are
 * not modelled: a manifest carrying one is refused rather than passed unchecked.
 */
import { z } from 'zod';
import { describeConfigIssue, HarnessError } from '../../core/index.ts';

/** A resource quantity, the pattern the CRD declares for `resources.limits`/`requests`. */
export const QUANTITY =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
/** DNS-1123 subdomain: names of ConfigMaps, TestRuns, claims (at most 253 characters). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1123 label: namespaces, volume and container names (at most 63 characters). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A ConfigMap key. */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
/** An environment variable name as the API server accepts it. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** A ConfigMap's data may total at most 1 MiB (etcd's object limit). */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;
const INT32_MAX = 2_147_483_647;

const subdomainName = z
  .string()
  .max(253)
  .regex(DNS_SUBDOMAIN, 'must be a DNS-1123 name: lower-case letters, digits, "-" and "."');
const labelName = z
  .string()
  .max(63)
  .regex(DNS_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", at most 63');
const quantity = z.string().regex(QUANTITY, 'must be a Kubernetes quantity such as 500m, 2, 512Mi or 1Gi');
const stringMap = z.record(z.string(), z.string());

const objectMeta = z
  .object({
    name: subdomainName,
    namespace: labelName.optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  })
  .strict();

const keySelector = z
  .object({ name: z.string().min(1), key: z.string().min(1), optional: z.boolean().optional() })
  .strict();

/** corev1.EnvVar: a name and either a value or one source. */
export const envVarSchema = z
  .object({
    name: z.string().regex(ENV_NAME, 'must be an environment variable name such as RATE'),
    value: z.string().optional(),
    valueFrom: z
      .object({
        secretKeyRef: keySelector.optional(),
        configMapKeyRef: keySelector.optional(),
        fieldRef: z
          .object({ apiVersion: z.string().optional(), fieldPath: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .refine((source) => Object.keys(source).length === 1, 'must name exactly one source')
      .optional(),
  })
  .strict()
  .refine((env) => !(env.value !== undefined && env.valueFrom !== undefined), {
    message: 'has both value and valueFrom: give one',
  });

const SUFFIX_SCALE: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity's value (`500m` → 0.5, `1Gi` → 1073741824), to compare a request with its limit. */
export function quantityValue(text: string): number {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(text);
  const suffix = match?.[2] ?? '';
  const scale = SUFFIX_SCALE[suffix] ?? (/^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : NaN);
  return Number(match?.[1]) * scale;
}

/** corev1.ResourceRequirements; a request above its limit is refused, as the API server would refuse the pod. */
const resourceRequirements = z
  .object({
    limits: z.record(z.string(), quantity).optional(),
    requests: z.record(z.string(), quantity).optional(),
  })
  .strict()
  .superRefine((resources, ctx) => {
    for (const [name, request] of Object.entries(resources.requests ?? {})) {
      const limit = resources.limits?.[name];
      if (limit !== undefined && quantityValue(request) > quantityValue(limit)) {
        ctx.addIssue({
          code: 'custom',
          path: ['requests', name],
          message: `${request} is above its limit ${limit}`,
        });
      }
    }
  });

const volumeMount = z
  .object({
    name: labelName,
    mountPath: z.string().startsWith('/', 'must be an absolute path'),
    readOnly: z.boolean().optional(),
    subPath: z.string().optional(),
  })
  .strict();

/** corev1.Volume with the sources the harness writes; exactly one source. */
const volume = z
  .object({
    name: labelName,
    persistentVolumeClaim: z
      .object({ claimName: subdomainName, readOnly: z.boolean().optional() })
      .strict()
      .optional(),
    emptyDir: z.object({ medium: z.string().optional(), sizeLimit: quantity.optional() }).strict().optional(),
    configMap: z.object({ name: subdomainName, optional: z.boolean().optional() }).strict().optional(),
  })
  .strict()
  .refine(
    (v) => Object.keys(v).filter((k) => k !== 'name').length === 1,
    'must have exactly one volume source',
  );

const podSecurityContext = z
  .object({
    fsGroup: z.number().int().optional(),
    runAsUser: z.number().int().optional(),
    runAsGroup: z.number().int().optional(),
    runAsNonRoot: z.boolean().optional(),
  })
  .strict();

/** k6-operator's Pod (runner, starter, initializer). */
const operatorPod = z
  .object({
    disabled: z.boolean().optional(),
    automountServiceAccountToken: z.enum(['true', 'false']).optional(),
    env: z.array(envVarSchema).optional(),
    envFrom: z.array(z.object({ secretRef: z.object({ name: z.string() }).strict() }).strict()).optional(),
    image: z.string().min(1).optional(),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    imagePullSecrets: z.array(z.object({ name: z.string().min(1) }).strict()).optional(),
    metadata: z
      .object({ labels: stringMap.optional(), annotations: stringMap.optional() })
      .strict()
      .optional(),
    nodeSelector: stringMap.optional(),
    resources: resourceRequirements.optional(),
    serviceAccountName: z.string().optional(),
    securityContext: podSecurityContext.optional(),
    volumes: z.array(volume).optional(),
    volumeMounts: z.array(volumeMount).optional(),
    priorityClassName: z.string().optional(),
    schedulerName: z.string().optional(),
  })
  .strict();

/** Flags k6-operator adds itself, or that its splitting of `arguments` on spaces would break. */
const OPERATOR_OWNED_FLAGS = ['--execution-segment', '--address', '--paused'];

/** `spec.arguments`: k6 flags, split on single spaces by the operator (no quoting: k6-operator#211). */
const k6Arguments = z.string().superRefine((args, ctx) => {
  if (/["']/.test(args)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must not quote values: k6-operator splits arguments on spaces (grafana/k6-operator#211)',
    });
  }
  for (const flag of OPERATOR_OWNED_FLAGS) {
    if (args.split(' ').some((a) => a === flag || a.startsWith(`${flag}=`) || a.startsWith(`${flag}-`))) {
      ctx.addIssue({ code: 'custom', message: `must not set ${flag}: k6-operator sets it on each runner` });
    }
  }
});

/** `spec.script`: where the runners find the script; k6-operator needs exactly one of the three. */
const k6Script = z
  .object({
    configMap: z
      .object({ name: subdomainName, file: z.string().regex(CONFIG_MAP_KEY).optional() })
      .strict()
      .optional(),
    volumeClaim: z
      .object({ name: subdomainName, file: z.string().optional(), readOnly: z.boolean().optional() })
      .strict()
      .optional(),
    localFile: z.string().optional(),
  })
  .strict()
  .refine((s) => Object.keys(s).length === 1, 'must name exactly one of configMap, volumeClaim, localFile');

export const testRunSchema = z
  .object({
    apiVersion: z.literal('k6.io/v1alpha1'),
    kind: z.literal('TestRun'),
    metadata: objectMeta,
    spec: z
      .object({
        script: k6Script,
        // The CRD says int32 and required; its defaulting webhook turns 0 into 1, which would
        // silently run one runner: the harness asks for the number it means.
        parallelism: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1 (one k6 runner pod each)')
          .max(INT32_MAX),
        separate: z.boolean().optional(),
        arguments: k6Arguments.optional(),
        initializer: operatorPod.optional(),
        starter: operatorPod.optional(),
        runner: operatorPod.optional(),
        quiet: z.enum(['true', 'false']).optional(),
        paused: z.enum(['true', 'false']).optional(),
        cleanup: z.literal('post').optional(),
      })
      .strict(),
  })
  .strict();

export const configMapSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('ConfigMap'),
    metadata: objectMeta,
    data: z
      .record(
        z.string().regex(CONFIG_MAP_KEY, 'must be a ConfigMap key: letters, digits, "-", "_", "."'),
        z.string(),
      )
      .refine(
        (data) => Buffer.byteLength(Object.values(data).join('')) <= CONFIG_MAP_MAX_BYTES,
        'holds more than 1 MiB, the most a ConfigMap may',
      ),
  })
  .strict();

export const persistentVolumeClaimSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('PersistentVolumeClaim'),
    metadata: objectMeta,
    spec: z
      .object({
        accessModes: z
          .array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']))
          .min(1),
        resources: z.object({ requests: z.object({ storage: quantity }).strict() }).strict(),
        storageClassName: z.string().min(1).optional(),
        volumeMode: z.enum(['Filesystem', 'Block']).optional(),
      })
      .strict(),
  })
  .strict();

export const podSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Pod'),
    metadata: objectMeta,
    spec: z
      .object({
        restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
        activeDeadlineSeconds: z.number().int().positive().optional(),
        securityContext: podSecurityContext.optional(),
        containers: z
          .array(
            z
              .object({
                name: labelName,
                image: z.string().min(1),
                command: z.array(z.string()).optional(),
                args: z.array(z.string()).optional(),
                resources: resourceRequirements.optional(),
                volumeMounts: z.array(volumeMount).optional(),
              })
              .strict(),
          )
          .min(1),
        volumes: z.array(volume).optional(),
      })
      .strict(),
  })
  .strict();

const MANIFEST_SCHEMAS = {
  TestRun: testRunSchema,
  ConfigMap: configMapSchema,
  PersistentVolumeClaim: persistentVolumeClaimSchema,
  Pod: podSchema,
} as const;

export type ManifestKind = keyof typeof MANIFEST_SCHEMAS;
export type TestRunManifest = z.infer<typeof testRunSchema>;
export type ConfigMapManifest = z.infer<typeof configMapSchema>;
export type PersistentVolumeClaimManifest = z.infer<typeof persistentVolumeClaimSchema>;
export type PodManifest = z.infer<typeof podSchema>;
export type Manifest = TestRunManifest | ConfigMapManifest | PersistentVolumeClaimManifest | PodManifest;

/**
 * Checks a manifest against the schema of its kind; throws a HarnessError naming the object and
 * each bad field (`spec.parallelism: must be at least 1 …`).
 */
export function validateManifest(manifest: unknown): Manifest {
  const kind = (manifest as { kind?: unknown } | null)?.kind;
  const name = (manifest as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  const schema = typeof kind === 'string' ? MANIFEST_SCHEMAS[kind as ManifestKind] : undefined;
  if (schema === undefined) {
    throw new HarnessError(
      `not a manifest the harness writes: kind ${JSON.stringify(kind)} (expected ${Object.keys(MANIFEST_SCHEMAS).join(', ')})`,
    );
  }
  const result = schema.safeParse(manifest);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${describeConfigIssue(issue)}`);
  throw new HarnessError(
    `invalid ${kind} ${typeof name === 'string' ? name : '(unnamed)'}:\n${lines.join('\n')}`,
    {
      hint: "the manifest does not match k6-operator's TestRun CRD or the Kubernetes type: fix the field(s) above",
    },
  );
}
