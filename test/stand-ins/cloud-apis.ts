/**
 * Local HTTP stand-ins for the cloud APIs (127.0.0.1, random ports), speaking the documented REST shapes
 * and error bodies: Kubernetes core/v1 pods, the EC2 Query API (XML), Compute Engine v1 instances (JSON).
 * Resources advance one state per read (Pending → Running), and tests can set a state directly.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface StandIn<T> {
  url: string;
  /** Resource name → its record. */
  items: Map<string, T>;
  requests: { method: string; path: string; body: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

async function listen<T>(
  items: Map<string, T>,
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<StandIn<T>> {
  const requests: StandIn<T>['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', path: req.url ?? '', body, headers: req.headers });
      handle(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    items,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function json(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------- Kubernetes

export interface Pod {
  body: { metadata: { name: string }; spec: { containers: { args: string[]; image: string }[] } };
  phase: string;
  reads: number;
}

const k8sStatus = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

export function kubernetesApi(token: string, namespaces = ['default']): Promise<StandIn<Pod>> {
  const pods = new Map<string, Pod>();
  return listen(pods, (req, body, res) => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return json(res, 401, k8sStatus(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/?]+))?/.exec(req.url ?? '');
    if (!m)
      return json(res, 404, k8sStatus(404, 'NotFound', 'the server could not find the requested resource'));
    const [, ns, name] = m;
    if (!namespaces.includes(ns as string))
      return json(res, 404, k8sStatus(404, 'NotFound', `namespaces "${ns}" not found`));
    if (req.method === 'POST' && !name) {
      const pod = JSON.parse(body) as Pod['body'] & { kind?: string };
      const n = pod.metadata?.name ?? '';
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n) || n.length > 253) {
        return json(
          res,
          422,
          k8sStatus(
            422,
            'Invalid',
            `Pod "${n}" is invalid: metadata.name: Invalid value: "${n}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
          ),
        );
      }
      if (pods.has(n)) return json(res, 409, k8sStatus(409, 'AlreadyExists', `pods "${n}" already exists`));
      pods.set(n, { body: pod, phase: 'Pending', reads: 0 });
      return json(res, 201, { ...pod, status: { phase: 'Pending' } });
    }
    const pod = name ? pods.get(decodeURIComponent(name)) : undefined;
    if (!pod) return json(res, 404, k8sStatus(404, 'NotFound', `pods "${name}" not found`));
    if (req.method === 'GET') {
      if (pod.phase === 'Pending' && ++pod.reads > 1) pod.phase = 'Running';
      return json(res, 200, { ...pod.body, status: { phase: pod.phase } });
    }
    if (req.method === 'DELETE') {
      pods.delete(pod.body.metadata.name);
      return json(res, 200, { ...pod.body, status: { phase: pod.phase } });
    }
    json(
      res,
      405,
      k8sStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
    );
  });
}

// ---------------------------------------------------------------- EC2

export interface Instance {
  params: Record<string, string>;
  state: string;
}

const EC2_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

function ec2Error(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomBytes(8).toString('hex')}</RequestID></Response>`,
  );
}

function ec2Ok(res: ServerResponse, action: string, inner: string) {
  res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n    <requestId>${randomBytes(8).toString('hex')}</requestId>\n${inner}\n</${action}Response>`,
  );
}

const stateXml = (tag: string, state: string) =>
  `<${tag}><code>${EC2_CODES[state]}</code><name>${state}</name></${tag}>`;

export function ec2Api(accessKeyId: string): Promise<StandIn<Instance>> {
  const instances = new Map<string, Instance>();
  return listen(instances, (req, body, res) => {
    const auth = req.headers.authorization ?? '';
    if (
      !auth.startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`) ||
      !/Signature=[0-9a-f]{64}$/.test(auth) ||
      !req.headers['x-amz-date']
    ) {
      return ec2Error(
        res,
        401,
        'AuthFailure',
        'AWS was not able to validate the provided access credentials',
      );
    }
    const p = Object.fromEntries(new URLSearchParams(body));
    const ids = Object.keys(p)
      .filter((k) => k.startsWith('InstanceId.'))
      .map((k) => p[k] as string);
    switch (p.Action) {
      case 'RunInstances': {
        if (!/^ami-[0-9a-f]{8,17}$/.test(p.ImageId ?? '')) {
          return ec2Error(
            res,
            400,
            'InvalidAMIID.Malformed',
            `Invalid id: "${p.ImageId}" (expecting "ami-...")`,
          );
        }
        const id = `i-${randomBytes(8).toString('hex').slice(0, 17)}`;
        instances.set(id, { params: p, state: 'pending' });
        return ec2Ok(
          res,
          'RunInstances',
          `    <reservationId>r-${randomBytes(8).toString('hex')}</reservationId>\n    <ownerId>123456789012</ownerId>\n    <groupSet/>\n    <instancesSet>\n        <item>\n            <instanceId>${id}</instanceId>\n            <imageId>${p.ImageId}</imageId>\n            ${stateXml('instanceState', 'pending')}\n            <instanceType>${p.InstanceType}</instanceType>\n        </item>\n    </instancesSet>`,
        );
      }
      case 'DescribeInstances': {
        const missing = ids.find((i) => !instances.has(i));
        if (missing)
          return ec2Error(
            res,
            400,
            'InvalidInstanceID.NotFound',
            `The instance ID '${missing}' does not exist`,
          );
        const items = ids
          .map((i) => {
            const inst = instances.get(i) as Instance;
            const shown = inst.state;
            if (inst.state === 'pending') inst.state = 'running';
            if (inst.state === 'shutting-down') inst.state = 'terminated';
            return `<item><reservationId>r-0</reservationId><instancesSet><item><instanceId>${i}</instanceId><imageId>${inst.params.ImageId}</imageId>${stateXml('instanceState', shown)}<networkInterfaceSet><item><networkInterfaceId>eni-0</networkInterfaceId></item></networkInterfaceSet></item></instancesSet></item>`;
          })
          .join('');
        return ec2Ok(res, 'DescribeInstances', `    <reservationSet>${items}</reservationSet>`);
      }
      case 'TerminateInstances': {
        const missing = ids.find((i) => !instances.has(i));
        if (missing)
          return ec2Error(
            res,
            400,
            'InvalidInstanceID.NotFound',
            `The instance ID '${missing}' does not exist`,
          );
        const items = ids
          .map((i) => {
            const inst = instances.get(i) as Instance;
            const prev = inst.state;
            inst.state = 'shutting-down';
            return `<item><instanceId>${i}</instanceId>${stateXml('currentState', 'shutting-down')}${stateXml('previousState', prev)}</item>`;
          })
          .join('');
        return ec2Ok(res, 'TerminateInstances', `    <instancesSet>${items}</instancesSet>`);
      }
      default:
        return ec2Error(
          res,
          400,
          'InvalidAction',
          `The action ${p.Action} is not valid for this web service.`,
        );
    }
  });
}

// ---------------------------------------------------------------- Compute Engine

export interface GceInstance {
  body: { name: string; machineType: string; metadata: { items: { key: string; value: string }[] } };
  status: string;
}

const gceError = (res: ServerResponse, code: number, reason: string, message: string, status: string) =>
  json(res, code, { error: { code, message, errors: [{ message, domain: 'global', reason }], status } });

export function computeApi(token: string, project: string, zone: string): Promise<StandIn<GceInstance>> {
  const instances = new Map<string, GceInstance>();
  const base = `/projects/${project}/zones/${zone}/instances`;
  const operation = (type: string, name: string) => ({
    kind: 'compute#operation',
    id: String(Date.now()),
    name: `operation-${randomBytes(6).toString('hex')}`,
    zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
    operationType: type,
    targetLink: `https://www.googleapis.com/compute/v1${base}/${name}`,
    status: 'RUNNING',
    progress: 0,
  });
  return listen(instances, (req, body, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      return gceError(
        res,
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
        'UNAUTHENTICATED',
      );
    }
    const url = req.url ?? '';
    if (!url.startsWith(base))
      return gceError(
        res,
        404,
        'notFound',
        `The resource 'projects/${project}/zones/...' was not found`,
        'NOT_FOUND',
      );
    const name = decodeURIComponent(url.slice(base.length + 1));
    if (req.method === 'POST' && name === '') {
      const inst = JSON.parse(body) as GceInstance['body'];
      if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(inst.name)) {
        return gceError(
          res,
          400,
          'invalid',
          `Invalid value for field 'resource.name': '${inst.name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`,
          'INVALID_ARGUMENT',
        );
      }
      if (!/^zones\/[^/]+\/machineTypes\/(n1|e2|n2)-standard-\d+$/.test(inst.machineType)) {
        return gceError(
          res,
          400,
          'invalid',
          `Invalid value for field 'resource.machineType': '${inst.machineType}'. Machine type with name '${inst.machineType.split('/').pop()}' does not exist in zone '${zone}'.`,
          'INVALID_ARGUMENT',
        );
      }
      if (instances.has(inst.name))
        return gceError(
          res,
          409,
          'alreadyExists',
          `The resource '${base.slice(1)}/${inst.name}' already exists`,
          'ALREADY_EXISTS',
        );
      instances.set(inst.name, { body: inst, status: 'PROVISIONING' });
      return json(res, 200, operation('insert', inst.name));
    }
    const inst = instances.get(name);
    if (!inst)
      return gceError(
        res,
        404,
        'notFound',
        `The resource '${base.slice(1)}/${name}' was not found`,
        'NOT_FOUND',
      );
    if (req.method === 'GET') {
      const shown = inst.status;
      if (inst.status === 'PROVISIONING') inst.status = 'STAGING';
      else if (inst.status === 'STAGING') inst.status = 'RUNNING';
      return json(res, 200, {
        kind: 'compute#instance',
        name,
        status: shown,
        machineType: inst.body.machineType,
      });
    }
    if (req.method === 'DELETE') {
      instances.delete(name);
      return json(res, 200, operation('delete', name));
    }
    gceError(res, 405, 'httpMethodNotAllowed', 'Method not allowed', 'METHOD_NOT_ALLOWED');
  });
}
